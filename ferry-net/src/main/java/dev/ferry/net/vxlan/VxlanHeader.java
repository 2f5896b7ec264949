package dev.ferry.net.vxlan;

/**
 * The 8-byte VXLAN header of RFC 7348 that precedes the encapsulated Ethernet frame in a UDP datagram: a flags
 * octet with only the I flag ({@code 0x08}, "the VNI is valid") set, three reserved octets, the 24-bit VXLAN
 * network identifier (VNI) and a last reserved octet. This codec writes reserved bits as zero and, stricter than
 * the RFC's "ignored on receipt", refuses a header whose flags are not exactly {@code 0x08} or whose reserved bits
 * are not zero: Ferry's hosts and Linux's {@code vxlan} device send exactly that, and anything else on the port is
 * not trusted.
 */
public final class VxlanHeader {

    /** Header length. */
    public static final int LENGTH = 8;
    /** The I flag: the VNI field is valid. */
    public static final int FLAG_I = 0x08;
    /** IANA's UDP port for VXLAN. */
    public static final int DEFAULT_PORT = 4789;
    /** The network identifier Ferry's hosts use unless told otherwise. */
    public static final int DEFAULT_VNI = 42;
    /** Largest network identifier (24 bits). */
    public static final int MAX_VNI = 0xff_ffff;
    /** What {@link #vni} returns for a datagram that is not a valid VXLAN packet. */
    public static final int INVALID = -1;

    private VxlanHeader() {
    }

    /** Writes a header for {@code vni} at {@code off} of {@code b}. */
    public static void write(byte[] b, int off, int vni) {
        checkVni(vni);
        b[off] = FLAG_I;
        b[off + 1] = 0;
        b[off + 2] = 0;
        b[off + 3] = 0;
        b[off + 4] = (byte) (vni >>> 16);
        b[off + 5] = (byte) (vni >>> 8);
        b[off + 6] = (byte) vni;
        b[off + 7] = 0;
    }

    /**
     * The VNI of the datagram of {@code len} bytes at {@code off} of {@code b}, or {@link #INVALID} if it is shorter
     * than the header, its flags are not exactly the I flag, or a reserved bit is set.
     */
    public static int vni(byte[] b, int off, int len) {
        if (len < LENGTH || b[off] != FLAG_I || b[off + 1] != 0 || b[off + 2] != 0 || b[off + 3] != 0
                || b[off + 7] != 0) {
            return INVALID;
        }
        return (b[off + 4] & 0xff) << 16 | (b[off + 5] & 0xff) << 8 | (b[off + 6] & 0xff);
    }

    /** Encapsulates {@code len} bytes of {@code frame} from {@code off} for {@code vni}. */
    public static byte[] encapsulate(int vni, byte[] frame, int off, int len) {
        byte[] packet = new byte[LENGTH + len];
        write(packet, 0, vni);
        System.arraycopy(frame, off, packet, LENGTH, len);
        return packet;
    }

    /** Checks that {@code vni} fits in 24 bits. */
    public static int checkVni(int vni) {
        if (vni < 0 || vni > MAX_VNI) {
            throw new IllegalArgumentException("a VXLAN network identifier is 0.." + MAX_VNI + ", not " + vni);
        }
        return vni;
    }
}
