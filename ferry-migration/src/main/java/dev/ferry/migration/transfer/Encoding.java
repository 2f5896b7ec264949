package dev.ferry.migration.transfer;

import dev.ferry.migration.wire.WireCodes;

/** How one page travels in a PAGES frame: the byte {@code encoding} of each entry is {@link #code()}. */
public enum Encoding {
    /** 4096 bytes as they are. */
    RAW(0, "raw"),
    /** An all-zero page: no bytes. */
    ZERO(1, "zero"),
    /** XBZRLE-style delta against the copy of the page sent last (which the target holds). */
    XBZRLE(2, "xbzrle"),
    /** LZ4 block of the page. */
    LZ4(3, "lz4");

    private static final Encoding[] BY_CODE = WireCodes.table(values(), Encoding::code);

    private final int code;
    private final String label;

    Encoding(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The code on the wire. */
    public int code() {
        return code;
    }

    /** The name in reports. */
    public String label() {
        return label;
    }

    /** The encoding with this code, or {@code null}. */
    public static Encoding ofCode(int code) {
        return WireCodes.lookup(BY_CODE, code);
    }
}
