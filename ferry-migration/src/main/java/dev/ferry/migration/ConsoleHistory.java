package dev.ferry.migration;

import java.util.Objects;

/**
 * The most recent console output of a VM, which travels with it at switchover so the target host can show what
 * the VM printed before it arrived.
 *
 * @param totalBytes every byte the VM ever wrote to its console; the tail ends at this offset, so a client that
 *                   follows the console by offset keeps its place across the migration
 * @param tail       the last bytes of that output, at most {@link #MAX_BYTES}
 */
public record ConsoleHistory(long totalBytes, byte[] tail) {

    /** How much console output travels with a VM: the last 64 KiB. */
    public static final int MAX_BYTES = 64 << 10;

    /** No output (yet, or none the host kept). */
    public static final ConsoleHistory NONE = new ConsoleHistory(0, new byte[0]);

    /** Validates the fields. */
    public ConsoleHistory {
        Objects.requireNonNull(tail, "tail");
        if (tail.length > MAX_BYTES || tail.length > totalBytes) {
            throw new IllegalArgumentException("console history of " + tail.length + " bytes for " + totalBytes
                    + " bytes written (at most " + MAX_BYTES + ")");
        }
    }
}
