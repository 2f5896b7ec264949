package dev.ferry.migration.endpoint;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counts rejected connections by reason and decides which get a log line: one line per rejection, at most
 * {@code linesPerSecond} in a second; the rest of that second is summed up in one line ("suppressed K similar
 * rejections") once the second is over, so a flood costs a few lines a second and still leaves a trace. Decisions
 * only (the caller writes the lines); injected clock; thread-safe.
 */
public final class RejectionLog {

    private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

    private final int linesPerSecond;
    private final LongSupplier clock;
    private final Map<Rejection, Long> totals = new EnumMap<>(Rejection.class);
    private final Map<Rejection, Long> suppressed = new EnumMap<>(Rejection.class);
    private long windowStart;
    private int linesInWindow;

    /** At most {@code linesPerSecond} (at least 1) lines a second, plus a summary. */
    public RejectionLog(int linesPerSecond, LongSupplier clock) {
        if (linesPerSecond < 1) {
            throw new IllegalArgumentException("at least one line a second");
        }
        this.linesPerSecond = linesPerSecond;
        this.clock = clock;
        this.windowStart = clock.getAsLong();
        for (Rejection r : Rejection.values()) {
            totals.put(r, 0L);
        }
    }

    /**
     * Counts a rejection of {@code peer} and returns the lines to log now: the summary of an earlier second if one is
     * due, and this rejection's line unless the second has had its share.
     */
    public synchronized List<String> rejected(Rejection reason, String peer, String detail) {
        totals.merge(reason, 1L, Long::sum);
        List<String> lines = new ArrayList<>(2);
        rollWindow(lines);
        if (linesInWindow < linesPerSecond) {
            linesInWindow++;
            lines.add("migration endpoint: rejected " + peer + ": " + reason.description()
                    + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
        } else {
            suppressed.merge(reason, 1L, Long::sum);
        }
        return lines;
    }

    /** The summary line due once a second with suppressed rejections is over, if any; call about once a second. */
    public synchronized List<String> flush() {
        List<String> lines = new ArrayList<>(1);
        rollWindow(lines);
        return lines;
    }

    /** Rejections so far, by reason (every reason present). */
    public synchronized Map<Rejection, Long> totals() {
        return new EnumMap<>(totals);
    }

    private void rollWindow(List<String> out) {
        long now = clock.getAsLong();
        if (now - windowStart < WINDOW) {
            return;
        }
        if (!suppressed.isEmpty()) {
            long sum = 0;
            StringJoiner by = new StringJoiner(", ");
            for (Map.Entry<Rejection, Long> e : suppressed.entrySet()) {
                sum += e.getValue();
                by.add(e.getKey().label() + " " + e.getValue());
            }
            out.add("migration endpoint: suppressed " + sum + " similar rejection" + (sum == 1 ? "" : "s")
                    + " in the last " + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(now - windowStart)) + " s (" + by
                    + ")");
            suppressed.clear();
        }
        windowStart = now;
        linesInWindow = 0;
    }
}
