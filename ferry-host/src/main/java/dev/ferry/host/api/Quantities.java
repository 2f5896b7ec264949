package dev.ferry.host.api;

import java.util.Locale;

/** Parses what users type for sizes ({@code 256M}, binary) and rates ({@code 1G}, {@code 500M}: bits/s, decimal). */
public final class Quantities {

    private Quantities() {
    }

    /** A size in bytes: a plain count or a number with K, M, G or T (powers of 1024), optionally with iB or B. */
    public static long parseBytes(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.endsWith("IB")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("B") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 2))) {
            v = v.substring(0, v.length() - 1);
        }
        int shift = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a size (examples: 128M, 1G, 65536)");
        }
    }

    /**
     * A rate in bits per second: a plain number or one with K, M, G or T (powers of 1000), optionally followed by
     * {@code bit/s}, {@code bps} or {@code b}; fractions allowed ({@code 1.5G}).
     */
    public static long parseBitsPerSecond(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        for (String unit : new String[] {"BIT/S", "BITS/S", "BPS", "B"}) {
            if (v.endsWith(unit) && v.length() > unit.length()) {
                v = v.substring(0, v.length() - unit.length()).trim();
                break;
            }
        }
        double scale = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'K' -> 1e3;
            case 'M' -> 1e6;
            case 'G' -> 1e9;
            case 'T' -> 1e12;
            default -> 1;
        };
        String digits = scale == 1 ? v : v.substring(0, v.length() - 1);
        try {
            double n = Double.parseDouble(digits) * scale;
            if (!(n >= 0 && n < 9e18) || digits.chars().anyMatch(c -> c == 'E' || c == 'X' || c == 'P' || c == 'N')) {
                throw new NumberFormatException();
            }
            return Math.round(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a rate in bits/s (examples: 1G, 500M, 100000)");
        }
    }
}
