package dev.ferry.net.switching;

import dev.ferry.net.frame.MacAddress;
import java.util.List;
import java.util.Optional;

/**
 * What a switch looks like at one moment, immutable, for the host's JSON API and metrics: its ports with their
 * counters, the MAC table with each entry's port and age, and the traffic matrix.
 *
 * @param ports       every port, by id
 * @param macs        the live MAC table entries, by address
 * @param traffic     bytes per (source, unicast destination) pair sent from this switch's VM ports, by source
 *                    then destination
 * @param macsRefused addresses not learned because the MAC table was full
 */
public record SwitchSnapshot(List<PortView> ports, List<MacEntry> macs, List<PairTraffic> traffic,
                             long macsRefused) {

    /** Copies the lists. */
    public SwitchSnapshot {
        ports = List.copyOf(ports);
        macs = List.copyOf(macs);
        traffic = List.copyOf(traffic);
    }

    /**
     * One port.
     *
     * @param id     the port's number
     * @param kind   what it connects to
     * @param name   its name
     * @param mac    the VM's MAC for a VM port, else null
     * @param totals its counters
     */
    public record PortView(int id, PortKind kind, String name, MacAddress mac, PortTotals totals) {
    }

    /**
     * One learned address.
     *
     * @param mac      the address
     * @param portId   the port it was last seen on
     * @param portName that port's name
     * @param ageMillis how long ago it was last seen
     */
    public record MacEntry(MacAddress mac, int portId, String portName, long ageMillis) {
    }

    /**
     * Traffic from one address to another.
     *
     * @param source      the sender
     * @param destination the unicast receiver
     * @param bytes       bytes sent, Ethernet headers included
     */
    public record PairTraffic(MacAddress source, MacAddress destination, long bytes) {
    }

    /** The port named {@code name}, if any. */
    public Optional<PortView> port(String name) {
        return ports.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The MAC table entry of {@code mac}, if it is learned. */
    public Optional<MacEntry> mac(MacAddress mac) {
        return macs.stream().filter(m -> m.mac().equals(mac)).findFirst();
    }

    /** Bytes from {@code source} to {@code destination} (0 if none were seen). */
    public long bytes(MacAddress source, MacAddress destination) {
        return traffic.stream().filter(t -> t.source().equals(source) && t.destination().equals(destination))
                .mapToLong(PairTraffic::bytes).sum();
    }
}
