package dev.ferry.host.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A VM's IPv4 address and prefix on the virtual segment, as {@code vm create --ip 10.77.0.10/24} gives it. The
 * Linux guest takes it from the kernel's {@code ip=} parameter (no DHCP), so the address travels with the VM's
 * command line, and a target host finds it there again to announce the VM after a migration.
 *
 * @param address the IPv4 address, four bytes
 * @param prefix  the prefix length, 1 to 32
 */
public record VmAddress(byte[] address, int prefix) {

    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
    private static final Pattern KERNEL_IP = Pattern.compile("(?:^|\\s)ip=(\\d{1,3}(?:\\.\\d{1,3}){3})(?::(\\S*))?");

    /** Checks the fields. */
    public VmAddress {
        if (address.length != 4 || prefix < 1 || prefix > 32) {
            throw new IllegalArgumentException("an IPv4 address has 4 bytes and a prefix of 1 to 32 bits");
        }
        address = address.clone();
    }

    /**
     * Parses {@code A.B.C.D/N}: a unicast address that is neither the network's nor its broadcast address.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static VmAddress parse(String cidr) {
        Matcher m = CIDR.matcher(cidr.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + cidr + "' is not an IPv4 address with a prefix, such as "
                    + "10.77.0.10/24");
        }
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = Integer.parseInt(m.group(i + 1));
            if (v > 255) {
                throw new IllegalArgumentException("'" + cidr + "': " + v + " is not a byte");
            }
            a[i] = (byte) v;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix < 1 || prefix > 30) {
            throw new IllegalArgumentException("'" + cidr + "': the prefix must be 1 to 30 bits");
        }
        int first = a[0] & 0xff;
        if (first == 0 || first == 127 || first >= 224) {
            throw new IllegalArgumentException("'" + cidr + "' is not a unicast address a VM can use");
        }
        VmAddress va = new VmAddress(a, prefix);
        int host = va.bits() & ~va.maskBits();
        if (host == 0 || host == ~va.maskBits()) {
            throw new IllegalArgumentException("'" + cidr + "' is the network's own or its broadcast address");
        }
        return va;
    }

    /**
     * The address the kernel command line {@code cmdline} gives the guest with {@code ip=ADDR:...:NETMASK:...}, if
     * it gives one (a prefix of 32 when it names no netmask).
     */
    public static Optional<VmAddress> fromKernelCommandLine(String cmdline) {
        Matcher m = KERNEL_IP.matcher(cmdline == null ? "" : cmdline);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            byte[] a = InetAddress.getByName(m.group(1)).getAddress();
            int prefix = 32;
            String[] rest = m.group(2) == null ? new String[0] : m.group(2).split(":", -1);
            if (rest.length >= 3 && !rest[2].isEmpty()) {
                prefix = Integer.bitCount(maskOf(rest[2]));
            }
            return Optional.of(new VmAddress(a, Math.max(1, prefix)));
        } catch (UnknownHostException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static int maskOf(String dotted) throws UnknownHostException {
        InetAddress m = InetAddress.getByName(dotted);
        if (!(m instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 netmask");
        }
        byte[] b = m.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** The kernel parameter that gives a Linux guest this address on {@code eth0}, without DHCP. */
    public String kernelParameter() {
        int mask = maskBits();
        return "ip=" + dotted(bits()) + "::" + ":" + dotted(mask) + "::eth0:off";
    }

    /**
     * The address {@code n} after this one on the same network, with the same prefix.
     *
     * @throws IllegalArgumentException if it would leave the network or be its broadcast address
     */
    public VmAddress plus(int n) {
        int mask = maskBits();
        long host = (bits() & ~mask & 0xffff_ffffL) + n;
        if (n < 0 || host >= (~mask & 0xffff_ffffL)) {
            throw new IllegalArgumentException(this + " plus " + n + " leaves the network");
        }
        int next = (bits() & mask) | (int) host;
        return new VmAddress(new byte[] {(byte) (next >>> 24), (byte) (next >>> 16), (byte) (next >>> 8),
                (byte) next}, prefix);
    }

    /** The address written {@code A.B.C.D}. */
    public String host() {
        return dotted(bits());
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VmAddress v && v.bits() == bits() && v.prefix == prefix;
    }

    @Override
    public int hashCode() {
        return bits() * 31 + prefix;
    }

    @Override
    public String toString() {
        return host() + "/" + prefix;
    }

    private int bits() {
        return (address[0] & 0xff) << 24 | (address[1] & 0xff) << 16 | (address[2] & 0xff) << 8 | (address[3] & 0xff);
    }

    private int maskBits() {
        return prefix == 32 ? -1 : ~(-1 >>> prefix);
    }

    private static String dotted(int v) {
        return (v >>> 24) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }
}
