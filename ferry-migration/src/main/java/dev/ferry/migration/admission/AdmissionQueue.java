package dev.ferry.migration.admission;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Admission control of migrations: at most {@code limit} hold a slot at once, the others wait in order of arrival.
 * A plain decision object (no threads, injected clock, not thread-safe: callers serialise their calls).
 *
 * <p>Two uses. A source host queues its own outgoing migrations and starts those {@link #admitWaiting} hands back
 * whenever a slot frees. A target host cannot hold its callers: a source whose BEGIN finds no free slot is told to
 * ask again later, and {@link #offer} is called on each attempt. Free slots go to the oldest waiting ids first, so
 * the order holds across sources; an id that has not asked again for {@code staleNanos} (its source gave up) loses
 * its place.
 */
public final class AdmissionQueue {

    private final int limit;
    private final long staleNanos;
    private final LongSupplier clock;
    private final Set<String> admitted = new LinkedHashSet<>();
    /** Waiting ids, oldest first, with the time each last asked. */
    private final Map<String, Long> waiting = new LinkedHashMap<>();

    /**
     * @param limit      slots (at least 1)
     * @param staleNanos how long a waiting id keeps its place without asking again ({@link Long#MAX_VALUE}: always)
     * @param clock      nanosecond clock
     */
    public AdmissionQueue(int limit, long staleNanos, LongSupplier clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("the admission limit must be at least 1, not " + limit);
        }
        if (staleNanos <= 0) {
            throw new IllegalArgumentException("the time a waiting id keeps its place must be positive");
        }
        this.limit = limit;
        this.staleNanos = staleNanos;
        this.clock = clock;
    }

    /**
     * Asks for a slot for {@code id}: 0 when it holds one (now or already), else its place in the queue (1 = next).
     * Asking again keeps the place.
     */
    public int offer(String id) {
        if (admitted.contains(id)) {
            return 0;
        }
        long now = clock.getAsLong();
        dropStale(now);
        waiting.put(id, now);
        int free = limit - admitted.size();
        int position = 1;
        for (String w : waiting.keySet()) {
            if (w.equals(id)) {
                break;
            }
            position++;
        }
        if (position <= free) {
            waiting.remove(id);
            admitted.add(id);
            return 0;
        }
        return position;
    }

    /** Gives the free slots to the oldest waiting ids and returns them, oldest first. */
    public List<String> admitWaiting() {
        dropStale(clock.getAsLong());
        List<String> now = new ArrayList<>();
        Iterator<String> it = waiting.keySet().iterator();
        while (admitted.size() < limit && it.hasNext()) {
            String id = it.next();
            it.remove();
            admitted.add(id);
            now.add(id);
        }
        return now;
    }

    /** Frees the slot of {@code id}, or takes it out of the queue. Idempotent. */
    public void release(String id) {
        admitted.remove(id);
        waiting.remove(id);
    }

    /** True when {@code id} holds a slot. */
    public boolean holds(String id) {
        return admitted.contains(id);
    }

    /** The place of {@code id} in the queue (1 = next), 0 when it is not waiting. */
    public int position(String id) {
        int position = 1;
        for (String w : waiting.keySet()) {
            if (w.equals(id)) {
                return position;
            }
            position++;
        }
        return 0;
    }

    /** Ids holding a slot. */
    public List<String> admitted() {
        return List.copyOf(admitted);
    }

    /** How many wait (those that stopped asking not counted). */
    public int waiting() {
        if (staleNanos == Long.MAX_VALUE) {
            return waiting.size();
        }
        long now = clock.getAsLong();
        return (int) waiting.values().stream().filter(seen -> now - seen <= staleNanos).count();
    }

    /** The number of slots. */
    public int limit() {
        return limit;
    }

    private void dropStale(long now) {
        if (staleNanos == Long.MAX_VALUE) {
            return;
        }
        waiting.values().removeIf(seen -> now - seen > staleNanos);
    }
}
