package dev.ferry.bench.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The verdict on a target's disk after its VM stopped: every block must hold what the source's disk held
 * ({@link DiskPattern}), except blocks 1 to N, which must hold the writer's records 1 to N, with N at least the last
 * record the guest's console acknowledged. A gap (a record block that still holds the old contents below N), a
 * record in the wrong block, or any other changed block makes the disk inconsistent.
 *
 * @param records         N: the highest record found on the disk
 * @param acknowledged    the last record the console said was synced
 * @param gaps            record blocks below N without their record
 * @param badBlocks       blocks holding neither their record nor their original contents
 * @param firstBad        index of the first such block or gap, or -1
 */
record DiskCheck(long records, long acknowledged, long gaps, long badBlocks, long firstBad) {

    /** Reads {@code disk} through and judges it against {@code pattern} and the writer's acknowledged records. */
    static DiskCheck of(Path disk, DiskPattern pattern, long capacity, long acknowledged) throws IOException {
        long records = 0;
        long found = 0;
        long bad = 0;
        long firstBad = -1;
        long firstNonRecord = -1;
        byte[] actual = new byte[DiskWriter.BLOCK];
        ByteBuffer expected = ByteBuffer.allocate(DiskWriter.BLOCK);
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            if (ch.size() != pattern.bytes()) {
                throw new IOException(disk + " holds " + ch.size() + " bytes, not the " + pattern.bytes()
                        + " of the source's disk");
            }
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
            long index = 0;
            while (index < pattern.blocks()) {
                in.clear();
                long at = index * DiskWriter.BLOCK;
                while (in.hasRemaining() && at + in.position() < pattern.bytes()) {
                    if (ch.read(in, at + in.position()) < 0) {
                        break;
                    }
                }
                in.flip();
                while (in.remaining() >= DiskWriter.BLOCK) {
                    in.get(actual);
                    boolean isRecord = index >= 1 && index <= capacity
                            && Arrays.equals(actual, DiskWriter.record(index));
                    if (isRecord) {
                        records = index;
                        found++;
                    } else {
                        if (index >= 1 && index <= capacity && firstNonRecord < 0) {
                            firstNonRecord = index;
                        }
                        expected.clear();
                        pattern.block(index, expected);
                        if (!Arrays.equals(actual, expected.array())) {
                            bad++;
                            firstBad = firstBad < 0 ? index : firstBad;
                        }
                    }
                    index++;
                }
            }
        }
        long gaps = records - found;
        if (gaps > 0 && (firstBad < 0 || firstNonRecord < firstBad)) {
            firstBad = firstNonRecord;
        }
        return new DiskCheck(records, acknowledged, gaps, bad, firstBad);
    }

    /** True when the disk holds every acknowledged record, without gap, and nothing else changed. */
    boolean consistent() {
        return gaps == 0 && badBlocks == 0 && records >= acknowledged;
    }

    /** One line: the verdict and what it rests on. */
    String summary() {
        if (consistent()) {
            return String.format(Locale.ROOT, "consistent: records 1..%d (console acknowledged %d), every other block "
                    + "as on the source", records, acknowledged);
        }
        StringBuilder s = new StringBuilder("INCONSISTENT:");
        if (records < acknowledged) {
            s.append(String.format(Locale.ROOT, " %d acknowledged records missing (disk ends at %d, console said %d);",
                    acknowledged - records, records, acknowledged));
        }
        if (gaps > 0) {
            s.append(String.format(Locale.ROOT, " %d gaps below record %d;", gaps, records));
        }
        if (badBlocks > 0) {
            s.append(String.format(Locale.ROOT, " %d blocks changed;", badBlocks));
        }
        return s.append(" first bad block ").append(firstBad).toString();
    }
}
