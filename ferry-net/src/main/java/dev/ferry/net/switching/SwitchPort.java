package dev.ferry.net.switching;

import dev.ferry.net.frame.MacAddress;
import java.util.Optional;

/**
 * One port of a {@link LearningSwitch}: its kind and name, for a VM port the only source MAC it may send from and
 * its rate limiter, where its output frames go, and its counters. The switch creates ports; the code that owns the
 * other end (a VM back end, a VXLAN endpoint, an uplink) feeds the port's input to
 * {@link LearningSwitch#receive}.
 */
public final class SwitchPort {

    /** Where the switch hands a port's output frames. Called from any thread; must not block; must copy. */
    @FunctionalInterface
    public interface Egress {
        /** Takes {@code len} bytes of {@code frame} from {@code off}; false if it could not (queue full, detached). */
        boolean offer(byte[] frame, int off, int len);
    }

    private final int id;
    private final PortKind kind;
    private final String name;
    private final MacAddress mac;
    private final Egress egress;
    private final TokenBucket bucket;
    private final PortCounters counters = new PortCounters();
    private volatile boolean removed;

    SwitchPort(int id, PortKind kind, String name, MacAddress mac, Egress egress, TokenBucket bucket) {
        this.id = id;
        this.kind = kind;
        this.name = name;
        this.mac = mac;
        this.egress = egress;
        this.bucket = bucket;
    }

    /** The switch-unique number of the port. */
    public int id() {
        return id;
    }

    /** What the port connects to. */
    public PortKind kind() {
        return kind;
    }

    /** The port's name, as the host shows it. */
    public String name() {
        return name;
    }

    /** For a VM port the VM's MAC, the only source address it may send from; empty for links and uplinks. */
    public Optional<MacAddress> mac() {
        return Optional.ofNullable(mac);
    }

    /** The port's counters now. */
    public PortTotals totals() {
        return counters.totals();
    }

    /** Whether the switch has removed the port. */
    public boolean removed() {
        return removed;
    }

    PortCounters counters() {
        return counters;
    }

    /** Whether a frame from source {@code source} passes anti-spoofing. */
    boolean allowsSource(long source) {
        return mac == null || mac.bits() == source;
    }

    /** Whether the rate limit lets a frame of {@code len} bytes in at {@code now}. */
    boolean admit(int len, long now) {
        if (bucket == null) {
            return true;
        }
        synchronized (bucket) {
            return bucket.admit(len, now);
        }
    }

    /** Hands a frame out through the port, counting it or its drop. */
    void deliver(byte[] frame, int off, int len) {
        if (removed) {
            return;
        }
        if (egress.offer(frame, off, len)) {
            counters.sent(len);
        } else {
            counters.dropped(DropReason.NO_ROUTE);
        }
    }

    void markRemoved() {
        removed = true;
    }

    @Override
    public String toString() {
        return kind.key() + " port " + id + " (" + name + ")";
    }
}
