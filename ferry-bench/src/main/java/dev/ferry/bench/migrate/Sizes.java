package dev.ferry.bench.migrate;

import java.util.Locale;

/** Byte sizes written as {@code 256M}, {@code 1G}, {@code 4096}. */
final class Sizes {

    private Sizes() {
    }

    /** Parses a size with an optional K, M or G suffix (powers of 1024). */
    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        } else if (t.endsWith("G")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + text);
        }
    }

    /** The shortest exact form: {@code 1G}, {@code 256M}, or plain bytes. */
    static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        return Long.toString(bytes);
    }
}
