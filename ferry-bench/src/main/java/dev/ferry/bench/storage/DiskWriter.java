package dev.ferry.bench.storage;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The writer the benchmark's guest runs on its raw disk: a busybox shell loop that writes record {@code i} (the line
 * {@code ferry-rec i}, zero-padded to 4 KiB) into block {@code i} of {@code /dev/vda} with {@code dd conv=fsync},
 * then prints {@code writer i} on the console, so every number the console shows was on stable storage before it
 * was printed. The records go to blocks 1 to {@link #capacity()}; the loop stops when they are full. Ferry and QEMU
 * boot the same kernel with the same {@link #kernelArgument()}.
 */
final class DiskWriter {

    /** Bytes of one record, and of a disk block. */
    static final int BLOCK = 4096;
    /** What a record's line starts with. */
    static final String RECORD_PREFIX = "ferry-rec ";
    /** The console line the loop prints before its first record. */
    static final String STARTED = "writer start";

    private static final Pattern ACKNOWLEDGED = Pattern.compile("(?m)^writer (\\d+)\\r?$");
    private static final long MAX_RECORDS = 16_383;

    private final long capacity;
    private final double intervalSeconds;

    /**
     * @param diskBytes       the disk's size; records use at most its first half and at most 64 MiB
     * @param intervalSeconds pause between two records
     */
    DiskWriter(long diskBytes, double intervalSeconds) {
        if (diskBytes < 4L * BLOCK || diskBytes % BLOCK != 0) {
            throw new IllegalArgumentException("a disk for the writer is a multiple of 4 KiB, at least 16 KiB, not "
                    + diskBytes + " bytes");
        }
        if (!(intervalSeconds >= 0 && intervalSeconds <= 10)) {
            throw new IllegalArgumentException("the writer's interval is 0 to 10 s, not " + intervalSeconds);
        }
        this.capacity = Math.min(MAX_RECORDS, diskBytes / BLOCK / 2 - 1);
        this.intervalSeconds = intervalSeconds;
    }

    /** The most records the loop writes: blocks 1 to this. */
    long capacity() {
        return capacity;
    }

    /** The shell command the guest runs. */
    String script() {
        return String.format(Locale.ROOT, "echo %s; i=0; while [ $i -lt %d ]; do i=$((i+1)); "
                + "echo %s$i | dd of=/dev/vda bs=%d seek=$i conv=sync,fsync 2>/dev/null || { echo writer failed $i; "
                + "exit 1; }; echo writer $i; sleep %s; done; echo writer full $i", STARTED, capacity,
                RECORD_PREFIX, BLOCK, interval());
    }

    /** The kernel argument that makes the Linux guest's init run {@link #script()}. */
    String kernelArgument() {
        return "ferry.run=" + encode(script());
    }

    /** The bytes of record {@code i} as it lies on the disk. */
    static byte[] record(long i) {
        byte[] block = new byte[BLOCK];
        byte[] line = (RECORD_PREFIX + i + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(line, 0, block, 0, line.length);
        return block;
    }

    /** The highest record the console says was synced ({@code writer N} lines), or 0 before any. */
    static long lastAcknowledged(String console) {
        long last = 0;
        Matcher m = ACKNOWLEDGED.matcher(console);
        while (m.find()) {
            last = Math.max(last, Long.parseLong(m.group(1)));
        }
        return last;
    }

    /**
     * {@code command} as the guest's init decodes a {@code ferry.run=} value: a space becomes {@code _}; {@code _},
     * {@code %}, quotes, the backslash (init expands escapes) and every byte outside printable ASCII become
     * {@code %XX}.
     */
    static String encode(String command) {
        StringBuilder b = new StringBuilder();
        for (byte c : command.getBytes(StandardCharsets.UTF_8)) {
            int u = c & 0xff;
            if (u == ' ') {
                b.append('_');
            } else if (u <= ' ' || u >= 0x7f || "_%\"'\\`".indexOf(u) >= 0) {
                b.append('%').append(String.format(Locale.ROOT, "%02X", u));
            } else {
                b.append((char) u);
            }
        }
        return b.toString();
    }

    private String interval() {
        return intervalSeconds == Math.rint(intervalSeconds) ? Long.toString((long) intervalSeconds)
                : String.format(Locale.ROOT, "%.3f", intervalSeconds);
    }
}
