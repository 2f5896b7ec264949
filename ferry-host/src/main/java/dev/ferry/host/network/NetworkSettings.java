package dev.ferry.host.network;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * How a host's virtual switch reaches beyond the host: a VXLAN endpoint linked to other hosts' switches, and TAP
 * uplinks into the real host network. Without either, the switch still connects the host's own VMs.
 *
 * @param vxlan   the local UDP address of the VXLAN endpoint, or {@code null} for none
 * @param peers   the other hosts' VXLAN endpoints; packets from anyone else are dropped
 * @param vni     the VXLAN network identifier of the segment (1 to 16,777,215)
 * @param uplinks TAP devices the host creates and serves as uplinks, as {@code tap:NAME}
 */
public record NetworkSettings(InetSocketAddress vxlan, List<InetSocketAddress> peers, int vni, List<String> uplinks) {

    /** The VXLAN network identifier unless told otherwise. */
    public static final int DEFAULT_VNI = 42;

    /** No links and no uplinks: the host's VMs reach only each other. */
    public static final NetworkSettings LOCAL = new NetworkSettings(null, List.of(), DEFAULT_VNI, List.of());

    /** Checks the fields. */
    public NetworkSettings {
        peers = List.copyOf(peers);
        uplinks = List.copyOf(uplinks);
        if (vni < 1 || vni > 0xff_ffff) {
            throw new IllegalArgumentException("--vni must be between 1 and 16777215");
        }
        if (vxlan == null && !peers.isEmpty()) {
            throw new IllegalArgumentException("--peer needs --vxlan: the local VXLAN endpoint to reach peers from");
        }
        for (InetSocketAddress p : peers) {
            Objects.requireNonNull(p, "peer");
            if (p.isUnresolved()) {
                throw new IllegalArgumentException("--peer " + p.getHostString() + ": not an IP address");
            }
        }
        for (String u : uplinks) {
            if (!u.startsWith("tap:") || u.length() < 5 || u.length() > 19) {
                throw new IllegalArgumentException("--uplink '" + u + "': give tap:NAME (a TAP device name of 1 to "
                        + "15 characters)");
            }
        }
    }
}
