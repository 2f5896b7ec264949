package dev.ferry.migration.wire;

import java.util.Arrays;
import java.util.function.ToIntFunction;

/**
 * Lookup tables for enums that travel on the wire. Every such enum gives each constant an explicit code, and
 * decoding goes through the code, never through the ordinal, so reordering or adding constants cannot change
 * what a byte on the wire means.
 */
public final class WireCodes {

    private WireCodes() {
    }

    /**
     * A table indexed by code holding the constant of that code ({@code null} where no constant has it).
     *
     * @throws IllegalStateException when a code is negative, above 255 or used twice
     */
    public static <E extends Enum<E>> E[] table(E[] values, ToIntFunction<E> code) {
        int size = 0;
        for (E e : values) {
            size = Math.max(size, code.applyAsInt(e) + 1);
        }
        E[] table = Arrays.copyOf(values, size);
        Arrays.fill(table, null);
        for (E e : values) {
            int c = code.applyAsInt(e);
            if (c < 0 || c > 255 || table[c] != null) {
                throw new IllegalStateException("wire code " + c + " of " + e + " is out of range or used twice");
            }
            table[c] = e;
        }
        return table;
    }

    /** The constant with {@code code} in {@code table}, or {@code null}. */
    public static <E> E lookup(E[] table, int code) {
        return code >= 0 && code < table.length ? table[code] : null;
    }
}
