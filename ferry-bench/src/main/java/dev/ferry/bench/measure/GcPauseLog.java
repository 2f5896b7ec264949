package dev.ferry.bench.measure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * Records this JVM's garbage collections with a JFR stream ({@code jdk.GarbageCollection}: start, end, longest
 * pause, sum of pauses) so that a benchmark can ask afterwards which collections overlapped a migration. JFR
 * delivers events when it flushes, about once a second, so {@link #during} waits for the first flush after the
 * window before it answers.
 */
public final class GcPauseLog implements AutoCloseable {

    private static final String EVENT = "jdk.GarbageCollection";
    /** Collections older than this are forgotten. */
    private static final Duration KEEP = Duration.ofMinutes(10);

    private record Collection(Instant start, Instant end, Duration longestPause, Duration sumOfPauses) { }

    private final RecordingStream stream = new RecordingStream();
    private final Deque<Collection> collections = new ArrayDeque<>();
    private Instant lastFlush = Instant.MIN;

    private GcPauseLog() {
        stream.enable(EVENT);
        stream.onEvent(EVENT, this::record);
        stream.onFlush(this::flushed);
        stream.startAsync();
    }

    /** Starts recording. */
    public static GcPauseLog start() {
        return new GcPauseLog();
    }

    private synchronized void record(RecordedEvent e) {
        collections.addLast(new Collection(e.getStartTime(), e.getEndTime(), e.getDuration("longestPause"),
                e.getDuration("sumOfPauses")));
        Instant horizon = e.getEndTime().minus(KEEP);
        while (!collections.isEmpty() && collections.peekFirst().end().isBefore(horizon)) {
            collections.removeFirst();
        }
    }

    private synchronized void flushed() {
        lastFlush = Instant.now();
        notifyAll();
    }

    /**
     * The collections that overlapped {@code [from, to]}, after waiting up to {@code maxWait} for the recording
     * to catch up with {@code to}.
     */
    public synchronized GcPauses during(Instant from, Instant to, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (!lastFlush.isAfter(to)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        int count = 0;
        Duration longest = Duration.ZERO;
        Duration sum = Duration.ZERO;
        for (Collection c : collections) {
            if (c.start().isBefore(to) && c.end().isAfter(from)) {
                count++;
                sum = sum.plus(c.sumOfPauses());
                if (c.longestPause().compareTo(longest) > 0) {
                    longest = c.longestPause();
                }
            }
        }
        return new GcPauses(count, longest.toNanos() / 1e6, sum.toNanos() / 1e6, lastFlush.isAfter(to));
    }

    @Override
    public void close() {
        stream.close();
    }
}
