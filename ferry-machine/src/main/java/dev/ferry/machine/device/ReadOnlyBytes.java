package dev.ferry.machine.device;

/** Reads of a register window that is a plain array of bytes (a ROM, read-only registers); past its end reads zero. */
final class ReadOnlyBytes {

    private ReadOnlyBytes() {
    }

    /** The little-endian value of {@code width} bytes of {@code bytes} at {@code offset}. */
    static long read(byte[] bytes, long offset, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            long at = offset + i;
            v = (v << 8) | (at < bytes.length ? bytes[(int) at] & 0xff : 0);
        }
        return v;
    }
}
