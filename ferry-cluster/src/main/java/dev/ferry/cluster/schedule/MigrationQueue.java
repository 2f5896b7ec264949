package dev.ferry.cluster.schedule;

import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.TrafficMatrix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves waiting to run, started first come first served within concurrency limits: at most {@code perHost}
 * migrations at once touch any host (as source or target), and at most {@code perLink} run between any two hosts
 * (either direction). A waiting move whose hosts are busy does not hold back later moves that can run. A VM is
 * waiting or running at most once. Plain bookkeeping: the caller starts the moves {@link #start} hands out and
 * reports each one {@link #done}.
 */
public final class MigrationQueue {

    private final int perHost;
    private final int perLink;
    private final Map<String, Move> waiting = new LinkedHashMap<>();
    private final Map<String, Move> running = new LinkedHashMap<>();
    private final Map<String, Integer> hostCount = new HashMap<>();
    private final Map<TrafficMatrix.Pair, Integer> linkCount = new HashMap<>();

    /** A queue with these limits (each at least 1). */
    public MigrationQueue(int perHost, int perLink) {
        if (perHost < 1 || perLink < 1) {
            throw new IllegalArgumentException("concurrency limits must be at least 1");
        }
        this.perHost = perHost;
        this.perLink = perLink;
    }

    /** Queues {@code move}; false (and nothing queued) when its VM is already waiting or running. */
    public boolean offer(Move move) {
        if (waiting.containsKey(move.vm()) || running.containsKey(move.vm())) {
            return false;
        }
        waiting.put(move.vm(), move);
        return true;
    }

    /** The waiting moves that may start now, in queue order, marked running. */
    public List<Move> start() {
        List<Move> started = new ArrayList<>();
        for (Iterator<Move> it = waiting.values().iterator(); it.hasNext(); ) {
            Move m = it.next();
            TrafficMatrix.Pair link = TrafficMatrix.Pair.of(m.from(), m.to());
            if (count(hostCount, m.from()) < perHost && count(hostCount, m.to()) < perHost
                    && count(linkCount, link) < perLink) {
                it.remove();
                running.put(m.vm(), m);
                hostCount.merge(m.from(), 1, Integer::sum);
                hostCount.merge(m.to(), 1, Integer::sum);
                linkCount.merge(link, 1, Integer::sum);
                started.add(m);
            }
        }
        return started;
    }

    /** {@code move} finished (done, failed or aborted): its slots are free. False when it was not running. */
    public boolean done(Move move) {
        Move m = running.get(move.vm());
        if (m == null || !m.equals(move)) {
            return false;
        }
        running.remove(move.vm());
        release(hostCount, m.from());
        release(hostCount, m.to());
        release(linkCount, TrafficMatrix.Pair.of(m.from(), m.to()));
        return true;
    }

    /** Moves waiting, in queue order. */
    public List<Move> waiting() {
        return List.copyOf(waiting.values());
    }

    /** Moves running, in start order. */
    public List<Move> running() {
        return List.copyOf(running.values());
    }

    private static <K> int count(Map<K, Integer> counts, K key) {
        return counts.getOrDefault(key, 0);
    }

    private static <K> void release(Map<K, Integer> counts, K key) {
        counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }
}
