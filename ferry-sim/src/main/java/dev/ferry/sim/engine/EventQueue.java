package dev.ferry.sim.engine;

import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Discrete events in time order. Events at the same millisecond run in the order they were scheduled, so a run is
 * deterministic. Running an event moves the {@link SimClock} to its time; an event may schedule others, never in
 * the past.
 */
public final class EventQueue {

    private record Event(long atMillis, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(atMillis, o.atMillis);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final SimClock clock = new SimClock();
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long seq;
    private long processed;

    /** The clock this queue moves. */
    public SimClock clock() {
        return clock;
    }

    /** Runs {@code action} at {@code atMillis} (not before the current time). */
    public void schedule(long atMillis, Runnable action) {
        Objects.requireNonNull(action, "action");
        if (atMillis < clock.nowMillis()) {
            throw new IllegalArgumentException("event at " + atMillis + " ms is before now, " + clock.nowMillis()
                    + " ms");
        }
        events.add(new Event(atMillis, seq++, action));
    }

    /** Runs {@code action} {@code delayMillis} after now. */
    public void scheduleIn(long delayMillis, Runnable action) {
        schedule(Math.addExact(clock.nowMillis(), delayMillis), action);
    }

    /**
     * Runs every event due at or before {@code endMillis}, in order, including those the events schedule; then
     * moves the clock to {@code endMillis}. Later events stay queued.
     */
    public void runUntil(long endMillis) {
        while (!events.isEmpty() && events.peek().atMillis() <= endMillis) {
            Event e = events.poll();
            clock.advanceTo(e.atMillis());
            processed++;
            e.action().run();
        }
        clock.advanceTo(Math.max(clock.nowMillis(), endMillis));
    }

    /** Events waiting. */
    public int pending() {
        return events.size();
    }

    /** Events run so far. */
    public long processed() {
        return processed;
    }
}
