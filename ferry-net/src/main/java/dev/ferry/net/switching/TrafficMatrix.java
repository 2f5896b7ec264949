package dev.ferry.net.switching;

import dev.ferry.net.frame.MacAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes sent from each source MAC to each unicast destination MAC, for the cluster's task remapping (which VMs
 * talk to which); the switch feeds it the frames its VM ports send. Bounded like the MAC table: past {@code capacity} pairs new pairs are not counted. Thread-safe.
 */
final class TrafficMatrix {

    private record Pair(long source, long destination) {
    }

    private final Map<Pair, LongAdder> bytes = new ConcurrentHashMap<>();
    private final int capacity;

    TrafficMatrix(int capacity) {
        this.capacity = capacity;
    }

    void add(long source, long destination, int len) {
        Pair key = new Pair(source, destination);
        LongAdder a = bytes.get(key);
        if (a == null) {
            if (bytes.size() >= capacity) {
                return;
            }
            a = bytes.computeIfAbsent(key, k -> new LongAdder());
        }
        a.add(len);
    }

    List<SwitchSnapshot.PairTraffic> pairs() {
        List<SwitchSnapshot.PairTraffic> out = new ArrayList<>();
        bytes.forEach((k, v) -> out.add(new SwitchSnapshot.PairTraffic(new MacAddress(k.source()),
                new MacAddress(k.destination()), v.sum())));
        out.sort(Comparator.comparingLong((SwitchSnapshot.PairTraffic p) -> p.source().bits())
                .thenComparingLong(p -> p.destination().bits()));
        return out;
    }
}
