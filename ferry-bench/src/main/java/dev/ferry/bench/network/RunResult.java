package dev.ferry.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One measured run of {@code ferry bench network}: what the clients saw and what the migration report says, on
 * one time axis whose zero is the moment the clients started (milliseconds of the monotonic clock). The events are
 * S (the migrate request), P (the VM paused on the source: R minus the report's downtime), R (the VM ran on the
 * target, as the source host learned it) and E (the report was there: the migration and the watch for the VM's
 * announcement had ended).
 *
 * @param number    the run's number
 * @param strategy  precopy or postcopy
 * @param from      the source host's name
 * @param to        the target host's name
 * @param durationS seconds the clients ran
 * @param startMs   the monotonic millisecond the clients started
 * @param marks     the events, relative to {@code startMs}
 * @param report    the migration report as the API gave it
 * @param clients   what the clients measured
 * @param wallMinusMonoMs the wall clock (ping's stamps) minus the monotonic clock, in ms
 */
record RunResult(int number, String strategy, String from, String to, int durationS, long startMs,
        List<TimelinePlot.Mark> marks, JsonNode report, ClientLoad.Result clients, double wallMinusMonoMs) {

    /** Seconds of the run left out of the rate before the migration: wrk opening connections. */
    private static final long RAMP_MS = 1000;

    /**
     * Puts the measurements of a run on one axis; times in {@link System#nanoTime()} ({@code resumedNanos} 0: not
     * known).
     */
    static RunResult of(int number, String strategy, String from, String to, long loadStartNanos,
            long migrateNanos, long resumedNanos, long doneNanos, JsonNode report, ClientLoad.Result clients,
            int durationS) {
        long startMs = loadStartNanos / 1_000_000;
        List<TimelinePlot.Mark> marks = new ArrayList<>();
        long s = migrateNanos / 1_000_000 - startMs;
        marks.add(new TimelinePlot.Mark('S', s));
        if (resumedNanos != 0 && report.path("success").asBoolean()) {
            long r = resumedNanos / 1_000_000 - startMs;
            marks.add(new TimelinePlot.Mark('P', r - Math.round(report.path("downtime_ms").asDouble())));
            marks.add(new TimelinePlot.Mark('R', r));
        }
        marks.add(new TimelinePlot.Mark('E', doneNanos / 1_000_000 - startMs));
        double wallMinusMonoMs = System.currentTimeMillis() - System.nanoTime() / 1e6;
        return new RunResult(number, strategy, from, to, durationS, startMs, marks, report, clients,
                wallMinusMonoMs);
    }

    /** Whether the migration completed. */
    boolean success() {
        return report.path("success").asBoolean();
    }

    /** Responses per bin of {@code binMs} over the clients' run. */
    long[] bins(long binMs) {
        return clients.timeline().bins(startMs, startMs + durationS * 1000L, binMs);
    }

    /** The time of event {@code symbol}, or NaN. */
    private double at(char symbol) {
        return marks.stream().filter(m -> m.symbol() == symbol).mapToDouble(TimelinePlot.Mark::atMs).findFirst()
                .orElse(Double.NaN);
    }

    /** Responses per second from the end of the ramp-up to the migrate request. */
    double rateBefore() {
        return rate(startMs + RAMP_MS, startMs + (long) at('S'));
    }

    /** Responses per second from a second after the migration's end to the end of the run. */
    double rateAfter() {
        return rate(startMs + (long) at('E') + RAMP_MS, startMs + durationS * 1000L);
    }

    private double rate(long fromMs, long untilMs) {
        if (untilMs <= fromMs) {
            return Double.NaN;
        }
        long n = 0;
        for (long b : clients.timeline().bins(fromMs, untilMs, untilMs - fromMs)) {
            n += b;
        }
        return n * 1000.0 / (untilMs - fromMs);
    }

    /** The run's part of the printout. */
    void print(PrintStream o, boolean table, long binMs) {
        ResponseTimeline t = clients.timeline();
        o.println();
        o.printf(Locale.ROOT, "run %d: %s, VM from %s to %s, migrate request %.2f s into the run%n", number,
                strategy, from, to, at('S') / 1000);
        o.printf(Locale.ROOT, "  migration: %s, downtime %.1f ms, total time %.1f ms, network announced %s, "
                + "%.1f MB on the wire%s%s%n", report.path("outcome").asText("?"),
                report.path("downtime_ms").asDouble(), report.path("total_time_ms").asDouble(),
                report.path("network_announced_ms").isNumber() ? String.format(Locale.ROOT,
                        "%.1f ms after the VM ran on %s", report.path("network_announced_ms").asDouble(), to)
                        : "(not heard)",
                report.path("bytes_on_wire").asLong() / 1e6,
                report.path("postcopy_faults").asLong() > 0 ? ", " + report.path("postcopy_faults").asLong()
                        + " post-copy faults" : "",
                report.path("error").isTextual() ? ", error: " + report.path("error").asText() : "");
        o.printf(Locale.ROOT, "  wrk: %d responses (%.1f/s before the migration, %.1f/s from 1 s after it)%s; "
                + "longest time without a response: %s across the migration, %s in the whole run%n", t.total(),
                rateBefore(), rateAfter(),
                t.badStatus() > 0 ? ", " + t.badStatus() + " not 2xx" : "", describe(wrkGap(true)),
                describe(wrkGap(false)));
        if (!clients.wrkErrors().isEmpty()) {
            o.println("  wrk: " + clients.wrkErrors());
        }
        PingLog p = clients.ping();
        o.printf(Locale.ROOT, "  ping -i 0.005: %d of %d answered; longest time without a reply: %s across the "
                + "migration, %s in the whole run%n", p.received(), p.transmitted(), describe(pingGap(true)),
                describe(pingGap(false)));
        if (!table) {
            return;
        }
        TimelinePlot plot = new TimelinePlot(bins(binMs), binMs, marks);
        o.printf("  responses per %d ms (S migrate request, P VM paused on %s, R VM running on %s, E migration "
                + "end):%n", binMs, from, to);
        plot.table().forEach(l -> o.println("  " + l));
        double s = at('S');
        double e = at('E');
        o.printf(Locale.ROOT, "  shape from %.1f s to %.1f s, one character per %d ms (blank: none, @: the most):%n",
                Math.max(0, s - 2000) / 1000, (e + 2000) / 1000, binMs);
        plot.strip((long) s - 2000, (long) e + 2000).forEach(l -> o.println("  " + l));
    }

    /** The series as CSV: one row per bin, its start in ms, the responses, and the events in it. */
    List<String> csv(long binMs) {
        List<String> rows = new ArrayList<>();
        rows.add("t_ms,responses,events");
        long[] bins = bins(binMs);
        for (int i = 0; i < bins.length; i++) {
            int bin = i;
            StringBuilder events = new StringBuilder();
            marks.stream().filter(m -> Math.floorDiv(m.atMs(), binMs) == bin).forEach(m -> events.append(m.symbol()));
            rows.add(i * binMs + "," + bins[i] + "," + events);
        }
        return rows;
    }

    /** The run's row of the summary table. */
    String summaryRow() {
        JsonNode announced = report.path("network_announced_ms");
        return String.format(Locale.ROOT, "| %d | %s | %s->%s | %d | %.1f | %.1f | %s | %s | %s | %s | %d | %.1f "
                + "| %.1f | %s |", number, strategy, from, to, clients.timeline().total(), rateBefore(), rateAfter(),
                length(wrkGap(true)), length(wrkGap(false)), length(pingGap(true)), length(pingGap(false)),
                Math.max(0, clients.ping().transmitted() - clients.ping().received()),
                report.path("downtime_ms").asDouble(), report.path("total_time_ms").asDouble(),
                announced.isNumber() ? String.format(Locale.ROOT, "%.1f", announced.asDouble()) : "-");
    }

    /** A gap on the run's axis: where it starts and how long it is, in ms. */
    record Gap(double atMs, double lengthMs) { }

    /**
     * Where a gap must lie to count as the migration's: it overlaps the time from the VM's pause (the migrate request
     * if the pause is not known) to the migration's end.
     */
    private double windowStart() {
        double p = at('P');
        return Double.isNaN(p) ? at('S') : p;
    }

    /** wrk's longest gap, across the migration ({@link #windowStart} to E) or in the whole run; null if none. */
    Gap wrkGap(boolean acrossMigration) {
        ResponseTimeline t = clients.timeline();
        ResponseTimeline.Gap g = acrossMigration ? t.longestGap(startMs + (long) windowStart(),
                startMs + (long) at('E')) : t.longestGap();
        return g == null ? null : new Gap(g.fromMs() - startMs, g.lengthMs());
    }

    /** ping's longest gap, across the migration or in the whole run; null if none. */
    Gap pingGap(boolean acrossMigration) {
        PingLog p = clients.ping();
        PingLog.Gap g = acrossMigration ? p.longestGap(wallMicros(windowStart()), wallMicros(at('E')))
                : p.longestGap();
        return g == null ? null : new Gap(g.fromMicros() / 1000.0 - wallMinusMonoMs - startMs, g.lengthMs());
    }

    private long wallMicros(double runMs) {
        return Math.round((runMs + startMs + wallMinusMonoMs) * 1000);
    }

    private static String describe(Gap g) {
        return g == null ? "-" : String.format(Locale.ROOT, "%.0f ms (from %.2f s)", g.lengthMs(), g.atMs() / 1000);
    }

    private static String length(Gap g) {
        return g == null ? "-" : String.format(Locale.ROOT, "%.0f", g.lengthMs());
    }
}
