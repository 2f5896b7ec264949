package dev.ferry.bench.network;

import java.util.Arrays;

/**
 * When a load generator's responses completed: a count per millisecond of the monotonic clock (on Linux the clock
 * {@link System#nanoTime()} reads), from the first response to the last. Made from the lines the wrk script
 * {@code timeline.lua} prints; gives the counts per bin and the longest time in which no response completed, the
 * gap a client of the server perceives.
 *
 * @param firstMs   the millisecond of the first response
 * @param perMs     responses completed in each millisecond from {@code firstMs} on
 * @param badStatus responses whose status was not 2xx
 */
public record ResponseTimeline(long firstMs, int[] perMs, long badStatus) {

    private static final String PREFIX = "ferry-timeline ";

    /** No responses at all. */
    public static final ResponseTimeline EMPTY = new ResponseTimeline(0, new int[0], 0);

    /** A gap: no response completed from {@code fromMs} (exclusive) to {@code toMs} (exclusive). */
    public record Gap(long fromMs, long toMs) {

        /** The gap's length in milliseconds: the time between the two responses around it. */
        public long lengthMs() {
            return toMs - fromMs;
        }
    }

    /** Copies the counts. */
    public ResponseTimeline {
        perMs = perMs.clone();
    }

    /**
     * Reads the script's lines out of wrk's whole output.
     *
     * @throws IllegalArgumentException if the output has no timeline line or a malformed one
     */
    public static ResponseTimeline parse(String wrkOutput) {
        String counts = null;
        long bad = 0;
        for (String line : wrkOutput.split("\n")) {
            String l = line.strip();
            if (l.startsWith(PREFIX + "ms ")) {
                counts = l.substring(PREFIX.length() + 3);
            } else if (l.startsWith(PREFIX + "status ")) {
                bad = Long.parseLong(l.substring(PREFIX.length() + 7).strip());
            }
        }
        if (counts == null) {
            throw new IllegalArgumentException("wrk printed no response timeline (did the script run?)");
        }
        if (counts.equals("none")) {
            return new ResponseTimeline(0, new int[0], bad);
        }
        String[] parts = counts.split(" ", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("malformed response timeline: " + counts);
        }
        try {
            int[] perMs = Arrays.stream(parts[1].split(",")).mapToInt(Integer::parseInt).toArray();
            return new ResponseTimeline(Long.parseLong(parts[0]), perMs, bad);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed response timeline: " + e.getMessage(), e);
        }
    }

    /** Responses in all. */
    public long total() {
        long n = 0;
        for (int c : perMs) {
            n += c;
        }
        return n;
    }

    /**
     * Responses per bin of {@code binMs} milliseconds, bins starting at {@code startMs} and covering up to
     * {@code endMs} (exclusive; the last bin may be cut short). Responses outside that span are not counted.
     */
    public long[] bins(long startMs, long endMs, long binMs) {
        if (binMs < 1 || endMs < startMs) {
            throw new IllegalArgumentException("bins of " + binMs + " ms from " + startMs + " to " + endMs);
        }
        long[] bins = new long[(int) ((endMs - startMs + binMs - 1) / binMs)];
        for (int i = 0; i < perMs.length; i++) {
            long ms = firstMs + i;
            if (ms >= startMs && ms < endMs) {
                bins[(int) ((ms - startMs) / binMs)] += perMs[i];
            }
        }
        return bins;
    }

    /**
     * The longest time between two consecutive responses (to the millisecond), or {@code null} with fewer than two
     * milliseconds holding responses.
     */
    public Gap longestGap() {
        return longestGap(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * As {@link #longestGap()}, among the gaps that overlap the span from {@code fromMs} to {@code toMs}: the
     * longest wait for a response that a client had while something happened then.
     */
    public Gap longestGap(long fromMs, long toMs) {
        Gap longest = null;
        long previous = -1;
        for (int i = 0; i < perMs.length; i++) {
            if (perMs[i] == 0) {
                continue;
            }
            long ms = firstMs + i;
            if (previous >= 0 && ms >= fromMs && previous <= toMs
                    && (longest == null || ms - previous > longest.lengthMs())) {
                longest = new Gap(previous, ms);
            }
            previous = ms;
        }
        return longest;
    }

    /** The millisecond after the last response. */
    public long endMs() {
        return firstMs + perMs.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseTimeline t && t.firstMs == firstMs && t.badStatus == badStatus
                && Arrays.equals(t.perMs, perMs);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(firstMs) * 31 + Arrays.hashCode(perMs);
    }

    @Override
    public String toString() {
        return "ResponseTimeline[firstMs=" + firstMs + ", ms=" + perMs.length + ", total=" + total() + "]";
    }
}
