package dev.ferry.net.switching;

import dev.ferry.net.frame.MacAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which port each learned MAC was last seen on, and when. An entry older than the ageing time, or on a removed
 * port, counts as unknown and is dropped when met. The table holds at most {@code capacity} entries so that a
 * port sending from ever new addresses cannot fill the host's memory; past that, new addresses are not learned
 * (their frames are flooded) and counted. Thread-safe and lock-free.
 */
final class MacTable {

    /** A learned address: its port and when it was last seen (nanoseconds). */
    private static final class Entry {
        volatile SwitchPort port;
        volatile long seen;

        Entry(SwitchPort port, long seen) {
            this.port = port;
            this.seen = seen;
        }
    }

    /** A refresh within this many nanoseconds of the last one is skipped, to keep writes off the hot path. */
    private static final long REFRESH_NANOS = 1_000_000L;

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final long ageingNanos;
    private final int capacity;
    private final LongAdder refused = new LongAdder();

    MacTable(long ageingNanos, int capacity) {
        this.ageingNanos = ageingNanos;
        this.capacity = capacity;
    }

    /** Records that {@code mac} was seen on {@code port} at {@code now}. */
    void learn(long mac, SwitchPort port, long now) {
        Entry e = entries.get(mac);
        if (e == null) {
            if (entries.size() >= capacity) {
                refused.increment();
                return;
            }
            e = entries.putIfAbsent(mac, new Entry(port, now));
            if (e == null) {
                return;
            }
        }
        if (e.port != port) {
            e.port = port;
            e.seen = now;
        } else if (now - e.seen > REFRESH_NANOS) {
            e.seen = now;
        }
    }

    /** The port {@code mac} was learned on, or null if it is unknown, aged out or on a removed port. */
    SwitchPort lookup(long mac, long now) {
        Entry e = entries.get(mac);
        if (e == null) {
            return null;
        }
        SwitchPort p = e.port;
        if (p.removed() || now - e.seen > ageingNanos) {
            entries.remove(mac, e);
            return null;
        }
        return p;
    }

    /** Forgets every address learned on {@code port}. */
    void forget(SwitchPort port) {
        entries.values().removeIf(e -> e.port == port);
    }

    /** Addresses not learned because the table was full. */
    long refused() {
        return refused.sum();
    }

    /** The live entries at {@code now}, by address. */
    List<SwitchSnapshot.MacEntry> entries(long now) {
        List<SwitchSnapshot.MacEntry> out = new ArrayList<>();
        entries.forEach((mac, e) -> {
            SwitchPort p = e.port;
            long age = now - e.seen;
            if (!p.removed() && age <= ageingNanos) {
                out.add(new SwitchSnapshot.MacEntry(new MacAddress(mac), p.id(), p.name(),
                        Math.max(0, age) / 1_000_000L));
            }
        });
        out.sort(Comparator.comparingLong(m -> m.mac().bits()));
        return out;
    }
}
