package dev.ferry.net.frame;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * A 48-bit Ethernet MAC address as a value, held in the low 48 bits of a {@code long} so the switch can use it as a
 * key without copying bytes. The first octet's bit 0 marks a group (multicast) address, bit 1 a locally
 * administered one.
 *
 * @param bits the address, most significant octet first, in bits 47..0
 */
public record MacAddress(long bits) {

    /** ff:ff:ff:ff:ff:ff. */
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    /** 00:00:00:00:00:00. */
    public static final MacAddress ZERO = new MacAddress(0);

    /** QEMU's locally administered prefix 52:54:00, which derived addresses share. */
    static final long QEMU_PREFIX = 0x5254_00L << 24;

    /** Checks that only the low 48 bits are used. */
    public MacAddress {
        if ((bits & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits, not 0x" + Long.toHexString(bits));
        }
    }

    /**
     * Parses six two-digit hexadecimal octets separated by colons, as in {@code 52:54:00:12:34:56}.
     *
     * @throws IllegalArgumentException with a one-line message if {@code text} is not such an address
     */
    public static MacAddress parse(String text) {
        if (text.length() != 17) {
            throw new IllegalArgumentException("MAC address '" + text + "' is not six octets like 52:54:00:12:34:56");
        }
        long bits = 0;
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(text.charAt(3 * i), 16);
            int lo = Character.digit(text.charAt(3 * i + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(3 * i + 2) != ':')) {
                throw new IllegalArgumentException(
                        "MAC address '" + text + "' is not six octets like 52:54:00:12:34:56");
            }
            bits = bits << 8 | hi << 4 | lo;
        }
        return new MacAddress(bits);
    }

    /** The address in the six bytes of {@code b} from {@code off}. */
    public static MacAddress read(byte[] b, int off) {
        return new MacAddress(bitsAt(b, off));
    }

    /** The address in the six bytes of {@code b} from {@code off}, as bits, without allocating. */
    public static long bitsAt(byte[] b, int off) {
        long bits = 0;
        for (int i = 0; i < 6; i++) {
            bits = bits << 8 | (b[off + i] & 0xff);
        }
        return bits;
    }

    /** The address from its six octets. */
    public static MacAddress of(byte[] octets) {
        if (octets.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 octets, not " + octets.length);
        }
        return read(octets, 0);
    }

    /**
     * A stable address for the VM named {@code vmName}: QEMU's prefix 52:54:00 (locally administered, unicast)
     * and the first three bytes of the SHA-256 of the name's UTF-8 bytes. The same name gives the same address on
     * every host, so a VM keeps its MAC across migrations without storing it.
     */
    public static MacAddress derivedFrom(String vmName) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(vmName.getBytes(StandardCharsets.UTF_8));
            return new MacAddress(QEMU_PREFIX | (h[0] & 0xffL) << 16 | (h[1] & 0xffL) << 8 | (h[2] & 0xffL));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Writes the six octets into {@code b} from {@code off}. */
    public void write(byte[] b, int off) {
        for (int i = 0; i < 6; i++) {
            b[off + i] = (byte) (bits >>> (40 - 8 * i));
        }
    }

    /** The six octets. */
    public byte[] octets() {
        byte[] b = new byte[6];
        write(b, 0);
        return b;
    }

    /** Whether this is ff:ff:ff:ff:ff:ff. */
    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    /** Whether this is a group address (multicast, broadcast included). */
    public boolean isMulticast() {
        return isGroup(bits);
    }

    /** Whether {@code bits} is a group address: bit 0 of the first octet. */
    public static boolean isGroup(long bits) {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    /** Whether this addresses one station. */
    public boolean isUnicast() {
        return !isMulticast();
    }

    /** Whether the locally administered bit (bit 1 of the first octet) is set. */
    public boolean isLocallyAdministered() {
        return (bits & 0x0200_0000_0000L) != 0;
    }

    /** Lower-case colon form, {@code 52:54:00:12:34:56}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                s.append(':');
            }
            s.append(String.format(Locale.ROOT, "%02x", (bits >>> (40 - 8 * i)) & 0xff));
        }
        return s.toString();
    }
}
