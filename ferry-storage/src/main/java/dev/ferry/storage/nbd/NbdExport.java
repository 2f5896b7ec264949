package dev.ferry.storage.nbd;

/**
 * What the handshake agreed on for one export: its size, the transmission flags the server advertised, whether
 * replies come structured, and the largest payload one request may carry.
 *
 * @param name        the export's name
 * @param size        the export's size in bytes
 * @param flags       the transmission flags ({@code NBD_FLAG_*})
 * @param structured  true when the server agreed to structured replies
 * @param maxPayload  the largest read or write one request may carry, a multiple of 512
 */
record NbdExport(String name, long size, int flags, boolean structured, int maxPayload) {

    boolean readOnly() {
        return (flags & NbdWire.TFLAG_READ_ONLY) != 0;
    }

    boolean canFlush() {
        return (flags & NbdWire.TFLAG_SEND_FLUSH) != 0;
    }

    boolean canFua() {
        return (flags & NbdWire.TFLAG_SEND_FUA) != 0;
    }

    boolean canTrim() {
        return (flags & NbdWire.TFLAG_SEND_TRIM) != 0;
    }

    boolean canWriteZeroes() {
        return (flags & NbdWire.TFLAG_SEND_WRITE_ZEROES) != 0;
    }
}
