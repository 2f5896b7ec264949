package dev.ferry.storage.qcow2;

import java.nio.file.Path;

/**
 * The process {@link Qcow2KillTest} kills: writes sequence-numbered records, each to its own place of a qcow2 image,
 * flushes after every seven, and prints the last record each flush made durable.
 */
final class KilledWriter {

    private KilledWriter() {
    }

    public static void main(String[] args) throws Exception {
        try (Qcow2Backend disk = Qcow2Backend.open(Path.of(args[0]), false)) {
            long slots = disk.size() / Qcow2KillTest.RECORD;
            for (int seq = 0; seq < slots; seq++) {
                disk.write(Qcow2KillTest.slot(seq, slots) * Qcow2KillTest.RECORD, Qcow2KillTest.record(seq), 0,
                        Qcow2KillTest.RECORD);
                if (seq % 7 == 6) {
                    disk.flush();
                    System.out.println("flushed " + seq);
                    System.out.flush();
                }
            }
        }
    }
}
