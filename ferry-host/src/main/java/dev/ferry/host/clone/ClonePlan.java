package dev.ferry.host.clone;

import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.VmAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who the clones of a VM will be, decided before anything is touched: their names (PREFIX-1 .. PREFIX-N), MACs
 * (derived from each name, as a new VM's are) and addresses (given, or the ones after the parent's). A plain
 * object with no I/O; every problem is an {@link IllegalArgumentException} with a one-line reason.
 */
public final class ClonePlan {

    /** Most clones one request may make. */
    public static final int MAX_COUNT = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /**
     * One clone to make.
     *
     * @param name    its VM name
     * @param mac     the MAC its NIC on the switch gets
     * @param address its address, or null when the parent has none
     */
    public record Spec(String name, String mac, VmAddress address) { }

    private ClonePlan() {
    }

    /**
     * Plans {@code count} clones of {@code parent}.
     *
     * @param prefix        names' prefix, or null for the parent's name
     * @param parentAddress the parent's address on the switch, if it has one
     * @param ips           explicit addresses (one per clone), or null
     * @throws IllegalArgumentException for a count outside 1..{@value #MAX_COUNT}, a bad prefix or address, or
     *                                  addresses that repeat, count wrong or are given to a VM without one
     */
    public static List<Spec> plan(String parent, int count, String prefix, Optional<VmAddress> parentAddress,
            List<String> ips) {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count: make 1 to " + MAX_COUNT + " clones, not " + count);
        }
        String base = prefix == null ? parent : prefix;
        if (!NAME.matcher(base + "-" + count).matches()) {
            throw new IllegalArgumentException("prefix: '" + base + "-" + count + "' is not a VM name (letters, "
                    + "digits, '.', '_', '-'; up to 63 characters, starting with a letter or digit)");
        }
        if (ips != null && parentAddress.isEmpty()) {
            throw new IllegalArgumentException("ips: VM " + parent + " has no address on the switch, so its clones "
                    + "cannot take one");
        }
        if (ips != null && ips.size() != count) {
            throw new IllegalArgumentException("ips: give one address per clone (" + count + "), not " + ips.size());
        }
        List<Spec> specs = new ArrayList<>(count);
        Set<VmAddress> taken = new HashSet<>();
        parentAddress.ifPresent(taken::add);
        for (int i = 1; i <= count; i++) {
            String name = base + "-" + i;
            VmAddress address = null;
            if (parentAddress.isPresent()) {
                address = ips != null ? parse(ips.get(i - 1)) : parentAddress.get().plus(i);
                if (!taken.add(address)) {
                    throw new IllegalArgumentException("ips: " + address + " is given twice (or is VM " + parent
                            + "'s own)");
                }
            }
            specs.add(new Spec(name, HostNetwork.defaultMac(name), address));
        }
        return specs;
    }

    private static VmAddress parse(String cidr) {
        try {
            return VmAddress.parse(cidr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ips: " + e.getMessage());
        }
    }
}
