package dev.ferry.net.frame;

/**
 * The Ethernet II header of a frame held as a {@code byte[]} slice (no preamble, no frame check sequence):
 * destination MAC (0..5), source MAC (6..11), EtherType (12..13). A frame is well formed when it holds at least the
 * 14-byte header and at most {@link #MAX_LENGTH} bytes (1514 plus one 802.1Q tag); the accessors refuse others, so
 * a caller that has checked {@link #isWellFormed} once reads fields without further checks.
 */
public final class EthernetFrame {

    /** Header length: two addresses and the EtherType. */
    public static final int HEADER_LENGTH = 14;
    /** Longest frame accepted: a 1500-byte payload, the header and a 4-byte VLAN tag. */
    public static final int MAX_LENGTH = 1514 + 4;
    /** Shortest frame on the wire without FCS; shorter frames are padded to it when built here. */
    public static final int MIN_PADDED_LENGTH = 60;
    /** EtherType of ARP. */
    public static final int TYPE_ARP = 0x0806;
    /** EtherType of RARP, which QEMU's announcements use. */
    public static final int TYPE_RARP = 0x8035;
    /** EtherType of IPv4. */
    public static final int TYPE_IPV4 = 0x0800;

    private EthernetFrame() {
    }

    /** Whether a frame of {@code len} bytes has a valid length. */
    public static boolean isWellFormed(int len) {
        return len >= HEADER_LENGTH && len <= MAX_LENGTH;
    }

    /** Destination address bits of the frame at {@code off}, {@code len} bytes long. */
    public static long destination(byte[] frame, int off, int len) {
        check(frame, off, len);
        return MacAddress.bitsAt(frame, off);
    }

    /** Source address bits of the frame at {@code off}, {@code len} bytes long. */
    public static long source(byte[] frame, int off, int len) {
        check(frame, off, len);
        return MacAddress.bitsAt(frame, off + 6);
    }

    /** EtherType (or 802.3 length) of the frame at {@code off}, {@code len} bytes long. */
    public static int etherType(byte[] frame, int off, int len) {
        check(frame, off, len);
        return (frame[off + 12] & 0xff) << 8 | (frame[off + 13] & 0xff);
    }

    /** Writes a header at {@code off} of {@code frame}. */
    public static void writeHeader(byte[] frame, int off, MacAddress destination, MacAddress source, int etherType) {
        destination.write(frame, off);
        source.write(frame, off + 6);
        frame[off + 12] = (byte) (etherType >>> 8);
        frame[off + 13] = (byte) etherType;
    }

    private static void check(byte[] frame, int off, int len) {
        if (!isWellFormed(len) || off < 0 || off > frame.length - len) {
            throw new IllegalArgumentException("malformed Ethernet frame: " + len + " bytes at offset " + off
                    + " of " + frame.length + " (a frame has " + HEADER_LENGTH + ".." + MAX_LENGTH + ")");
        }
    }
}
