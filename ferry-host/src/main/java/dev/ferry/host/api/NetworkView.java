package dev.ferry.host.api;

import dev.ferry.host.network.HostNetwork;
import dev.ferry.net.switching.PortTotals;
import dev.ferry.net.switching.SwitchSnapshot;
import dev.ferry.net.vxlan.VxlanTotals;
import java.util.List;

/**
 * {@code GET /v1/network}: the host's virtual switch at one moment — its ports with their counters, the MAC table,
 * the bytes between each pair of MACs (the traffic matrix) — and its VXLAN endpoint.
 *
 * @param ports   every port: {@code kind} is {@code vm}, {@code link} or {@code uplink}
 * @param macs    learned addresses, each with the port it is behind and its age
 * @param traffic bytes from each source MAC to each unicast destination MAC
 * @param vxlan   the VXLAN endpoint, or absent when the host has none
 */
public record NetworkView(List<Port> ports, List<Mac> macs, List<Pair> traffic, Vxlan vxlan) {

    /** One switch port and its counters (rx: from the port into the switch; tx: out of the switch to it). */
    public record Port(int id, String kind, String name, String mac, long rxFrames, long rxBytes, long txFrames,
            long txBytes, long droppedSpoofed, long droppedRateLimited, long droppedMalformed, long droppedNoRoute) {
    }

    /** One learned address. */
    public record Mac(String mac, int port, String portName, long ageMs) {
    }

    /** Bytes from one MAC to another. */
    public record Pair(String source, String destination, long bytes) {
    }

    /** The VXLAN endpoint: where it listens, its peers and segment, and what it dropped. */
    public record Vxlan(String local, List<String> peers, int vni, long received, long droppedNonPeer,
            long droppedWrongVni, long droppedMalformed, long sendFailures) {
    }

    /** The view of {@code network} now. */
    public static NetworkView of(HostNetwork network) {
        SwitchSnapshot s = network.snapshot();
        List<Port> ports = s.ports().stream().map(p -> {
            PortTotals t = p.totals();
            return new Port(p.id(), p.kind().key(), p.name(), p.mac() == null ? null : p.mac().toString(),
                    t.rxFrames(), t.rxBytes(), t.txFrames(), t.txBytes(), t.spoofed(), t.rateLimited(),
                    t.malformed(), t.noRoute());
        }).toList();
        List<Mac> macs = s.macs().stream()
                .map(m -> new Mac(m.mac().toString(), m.portId(), m.portName(), m.ageMillis())).toList();
        List<Pair> traffic = s.traffic().stream()
                .map(t -> new Pair(t.source().toString(), t.destination().toString(), t.bytes())).toList();
        Vxlan vxlan = network.vxlan().map(v -> {
            VxlanTotals t = v.totals();
            return new Vxlan(HostAddress.format(v.localAddress()),
                    network.settings().peers().stream().map(HostAddress::format).toList(), v.vni(), t.received(),
                    t.nonPeer(), t.wrongVni(), t.malformed(), t.sendFailures());
        }).orElse(null);
        return new NetworkView(ports, macs, traffic, vxlan);
    }
}
