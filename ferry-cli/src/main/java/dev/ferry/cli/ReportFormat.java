package dev.ferry.cli;

import dev.ferry.host.api.MigrationView;
import dev.ferry.host.api.ReportView;
import dev.ferry.host.api.RoundView;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** How migration progress and reports look on a terminal. */
public final class ReportFormat {

    private ReportFormat() {
    }

    /** {@code 512 B}, {@code 12.0 KiB}, {@code 3.4 MiB}, {@code 1.20 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024L * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }

    /** A rate in bits/s, {@code unlimited} for 0. */
    public static String rate(long bitsPerSec) {
        if (bitsPerSec <= 0) {
            return "unlimited";
        }
        if (bitsPerSec >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f Gbit/s", bitsPerSec / 1e9);
        }
        if (bitsPerSec >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f Mbit/s", bitsPerSec / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f kbit/s", bitsPerSec / 1e3);
    }

    /** Milliseconds with a sensible precision. */
    public static String millis(double ms) {
        return ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms)
                : ms < 10_000 ? String.format(Locale.ROOT, "%.1f ms", ms)
                : String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    /** One progress line: phase, round, remaining, dirty rate, rate limit, throttle, bytes. */
    public static String progress(MigrationView s) {
        return String.format(Locale.ROOT, "%s %s: %-15s round %d, %,d pages left, dirty %,.0f pages/s, limit %s, "
                + "throttle %.0f%%, sent %s, %.1f s", s.id(), s.vm(), s.phase(), s.round(), s.remainingPages(),
                s.dirtyRatePagesPerS(), rate(s.rateLimitBitsPerS()), s.throttle() * 100, bytes(s.bytesSent()),
                s.elapsedMs() / 1000.0);
    }

    /** The full report: a table of rounds, then the totals and notes. */
    public static void print(ReportView r, PrintStream out) {
        out.printf("migration %s of VM %s (%s): %s%n", r.id(), r.vm(), r.strategy(), r.success() ? "completed"
                : outcome(r).toUpperCase(Locale.ROOT) + (r.error() != null ? " — " + r.error() : ""));
        if (!r.rounds().isEmpty()) {
            out.printf("%5s  %-14s %10s %12s %12s %16s %14s%n", "round", "kind", "pages", "bytes", "duration",
                    "dirty pages/s", "rate limit");
            for (RoundView round : r.rounds()) {
                out.printf(Locale.ROOT, "%5d  %-14s %,10d %12s %12s %,16.0f %14s%n", round.round(), round.kind(),
                        round.pages(), bytes(round.bytes()), millis(round.durationMs()), round.dirtyRatePagesPerS(),
                        rate(round.rateLimitBitsPerS()));
            }
        }
        out.println("total migration time  " + millis(r.totalTimeMs()));
        out.println("downtime              " + millis(r.downtimeMs()) + breakdown(r.downtimeBreakdown()));
        if (r.networkAnnouncedMs() != null) {
            out.println("network announced     " + millis(r.networkAnnouncedMs()) + " after the VM ran on the target");
        }
        out.printf(Locale.ROOT, "bytes on the wire     %s (%,d bytes)%n", bytes(r.bytesOnWire()), r.bytesOnWire());
        if (r.diskBlocks() > 0) {
            out.printf(Locale.ROOT, "disk blocks           %,d blocks of 4 KiB in %d round(s), %s on the wire%n",
                    r.diskBlocks(), r.diskRounds(), bytes(r.diskBytes()));
        }
        out.println("pages by encoding     " + encodings(r.pagesByEncoding()));
        out.println("post-copy faults      " + faults(r));
        for (String note : r.notes()) {
            out.println("note: " + note);
        }
    }

    /** " (pause 0.1 ms, last pages 0.3 ms, ...)", or nothing without phases. */
    private static String breakdown(Map<String, Double> phases) {
        if (phases == null || phases.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        phases.forEach((phase, ms) -> parts.add(phase.replace('_', ' ') + " " + millis(ms)));
        return " (" + String.join(", ", parts) + ")";
    }

    /** Two reports side by side: the figures that compare. */
    public static void sideBySide(String titleA, ReportView a, String titleB, ReportView b, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"", titleA, titleB});
        rows.add(new String[] {"strategy", a.strategy(), b.strategy()});
        rows.add(new String[] {"outcome", outcome(a), outcome(b)});
        rows.add(new String[] {"total time", millis(a.totalTimeMs()), millis(b.totalTimeMs())});
        rows.add(new String[] {"downtime", millis(a.downtimeMs()), millis(b.downtimeMs())});
        rows.add(new String[] {"bytes on the wire", bytes(a.bytesOnWire()), bytes(b.bytesOnWire())});
        rows.add(new String[] {"rounds", Integer.toString(a.rounds().size()), Integer.toString(b.rounds().size())});
        TreeSet<String> encodings = new TreeSet<>(a.pagesByEncoding().keySet());
        encodings.addAll(b.pagesByEncoding().keySet());
        for (String e : encodings) {
            if (a.pagesByEncoding().getOrDefault(e, 0L) == 0 && b.pagesByEncoding().getOrDefault(e, 0L) == 0) {
                continue;
            }
            rows.add(new String[] {"pages " + e, count(a.pagesByEncoding().get(e)), count(b.pagesByEncoding().get(e))});
        }
        rows.add(new String[] {"post-copy faults", faults(a), faults(b)});
        int w0 = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);
        int w1 = rows.stream().mapToInt(row -> row[1].length()).max().orElse(0);
        int w2 = rows.stream().mapToInt(row -> row[2].length()).max().orElse(0);
        for (String[] row : rows) {
            out.printf("  %-" + w0 + "s   %" + w1 + "s   %" + w2 + "s%n", row[0], row[1], row[2]);
        }
    }

    /** completed, failed or cancelled (a host that does not say has its report's success flag read). */
    public static String outcome(ReportView r) {
        if (r.outcome() != null) {
            return r.outcome();
        }
        return r.success() ? "completed" : "failed";
    }

    private static String count(Long n) {
        return n == null ? "0" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String encodings(Map<String, Long> pages) {
        if (pages.values().stream().allMatch(n -> n == 0)) {
            return "-";
        }
        return pages.entrySet().stream().filter(e -> e.getValue() != 0).map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String faults(ReportView r) {
        if (r.postcopyFaults() == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%,d (mean %s, max %s)", r.postcopyFaults(), millis(r.faultLatencyMeanMs()),
                millis(r.faultLatencyMaxMs()));
    }
}
