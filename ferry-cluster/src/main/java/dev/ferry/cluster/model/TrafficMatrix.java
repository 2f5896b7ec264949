package dev.ferry.cluster.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Traffic between pairs of VMs in bytes per second, either direction counted together (what the hosts' switches
 * measure between VM MAC addresses, summed over hosts).
 */
public final class TrafficMatrix {

    /** No traffic at all. */
    public static final TrafficMatrix EMPTY = new TrafficMatrix(Map.of());

    /**
     * An unordered pair of VMs; {@link #of} orders the names so a pair has one key.
     *
     * @param a the name that sorts first
     * @param b the other
     */
    public record Pair(String a, String b) {
        /** The pair of {@code x} and {@code y} in either order. */
        public static Pair of(String x, String y) {
            return x.compareTo(y) <= 0 ? new Pair(x, y) : new Pair(y, x);
        }
    }

    private final Map<Pair, Double> rates;

    private TrafficMatrix(Map<Pair, Double> rates) {
        this.rates = rates;
    }

    /** A matrix of these rates (bytes per second per pair; a pair given twice adds up). */
    public static TrafficMatrix of(Map<Pair, Double> rates) {
        Map<Pair, Double> m = new HashMap<>();
        rates.forEach((k, v) -> {
            Objects.requireNonNull(k, "pair");
            if (!(v >= 0)) {
                throw new IllegalArgumentException("traffic of " + k + " must not be negative");
            }
            m.merge(Pair.of(k.a(), k.b()), v, Double::sum);
        });
        return new TrafficMatrix(Collections.unmodifiableMap(m));
    }

    /** Bytes per second between {@code x} and {@code y}. */
    public double rate(String x, String y) {
        return rates.getOrDefault(Pair.of(x, y), 0.0);
    }

    /** Every pair with traffic. */
    public Map<Pair, Double> rates() {
        return rates;
    }
}
