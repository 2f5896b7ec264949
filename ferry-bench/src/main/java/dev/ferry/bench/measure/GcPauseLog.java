package dev.ferry.bench.measure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * Records this JVM's garbage collections with a JFR stream ({@code jdk.GarbageCollection}: start, end, longest
 * pause, sum of pauses) so that a benchmark can ask afterwards which collections overlapped a migration. JFR
 * delivers events when it flushes, about once a second, and the stream may parse a flush well after it was
 * written; so {@link #during} commits a marker event of its own and waits until the stream delivered it: every
 * collection that ended before the marker has been delivered by then.
 */
public final class GcPauseLog implements AutoCloseable {

    private static final String EVENT = "jdk.GarbageCollection";
    /** Collections older than this are forgotten. */
    private static final Duration KEEP = Duration.ofMinutes(10);

    /** One collection as JFR reported it. */
    record Collection(Instant start, Instant end, Duration longestPause, Duration sumOfPauses) { }

    /** Committed by {@link #during}; its arrival in the stream means the stream caught up with that moment. */
    @Name("dev.ferry.bench.GcLogMark")
    @Label("GC log mark")
    @StackTrace(false)
    static final class Mark extends Event {
        @Label("Mark number")
        long number;
    }

    private final RecordingStream stream = new RecordingStream();
    private final Deque<Collection> collections = new ArrayDeque<>();
    private long marksCommitted;
    private long marksSeen;

    private GcPauseLog() {
        stream.enable(EVENT);
        stream.enable(Mark.class);
        stream.onEvent(EVENT, this::record);
        stream.onEvent(Mark.class.getAnnotation(Name.class).value(), this::marked);
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

    private synchronized void marked(RecordedEvent e) {
        marksSeen = Math.max(marksSeen, e.getLong("number"));
        notifyAll();
    }

    /**
     * The collections that overlapped {@code [from, to]}, a window that has ended, after waiting up to
     * {@code maxWait} for the recording to catch up with now.
     */
    public synchronized GcPauses during(Instant from, Instant to, Duration maxWait) throws InterruptedException {
        Mark mark = new Mark();
        mark.number = ++marksCommitted;
        mark.commit();
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (marksSeen < mark.number) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return summarize(collections, from, to, marksSeen >= mark.number);
    }

    /** The collections of {@code all} that overlap {@code [from, to]}. */
    static GcPauses summarize(Iterable<Collection> all, Instant from, Instant to, boolean complete) {
        int count = 0;
        Duration longest = Duration.ZERO;
        Duration sum = Duration.ZERO;
        for (Collection c : all) {
            if (c.start().isBefore(to) && c.end().isAfter(from)) {
                count++;
                sum = sum.plus(c.sumOfPauses());
                if (c.longestPause().compareTo(longest) > 0) {
                    longest = c.longestPause();
                }
            }
        }
        return new GcPauses(count, longest.toNanos() / 1e6, sum.toNanos() / 1e6, complete);
    }

    @Override
    public void close() {
        stream.close();
    }
}
