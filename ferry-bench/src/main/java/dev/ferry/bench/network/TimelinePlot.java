package dev.ferry.bench.network;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A text rendering of responses per bin across a migration, after the web-server figure of Clark et al.: a table
 * with one row per ten bins (the count of each bin, followed by the letters of the events that fell into it), and a
 * strip with one character per bin around the migration whose height is shown by {@link #LEVELS}.
 *
 */
public final class TimelinePlot {

    /** From no responses (blank) to the most responses of any bin. */
    static final String LEVELS = " .:-=+*#%@";
    private static final int PER_ROW = 10;

    /** An event at {@code atMs} after time 0, shown as {@code symbol}. */
    public record Mark(char symbol, long atMs) { }

    private final long[] bins;
    private final long binMs;
    private final List<Mark> marks;

    /**
     * A plot of {@code bins} (responses per bin, the first bin starting at time 0) of {@code binMs} each, with
     * {@code marks} on the same time axis.
     */
    public TimelinePlot(long[] bins, long binMs, List<Mark> marks) {
        if (binMs < 1) {
            throw new IllegalArgumentException("bin width " + binMs);
        }
        this.bins = bins.clone();
        this.binMs = binMs;
        this.marks = List.copyOf(marks);
    }

    /** The table, one row per {@value #PER_ROW} bins. */
    public List<String> table() {
        long max = 0;
        for (long b : bins) {
            max = Math.max(max, b);
        }
        int width = Math.max(4, Long.toString(max).length());
        List<String> rows = new ArrayList<>();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%7s |", "t s"));
        for (int i = 0; i < PER_ROW; i++) {
            head.append(String.format(Locale.ROOT, " %" + width + "s  ", "+" + i * binMs));
        }
        rows.add(head.append("|   sum").toString());
        for (int start = 0; start < bins.length; start += PER_ROW) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%7.1f |", start * binMs / 1000.0));
            long sum = 0;
            for (int i = start; i < start + PER_ROW; i++) {
                if (i >= bins.length) {
                    row.append(" ".repeat(width + 3));
                    continue;
                }
                sum += bins[i];
                String letters = symbolsIn(i);
                row.append(String.format(Locale.ROOT, " %" + width + "d%-2s", bins[i],
                        letters.length() > 2 ? letters.substring(0, 2) : letters));
            }
            rows.add(row.append(String.format(Locale.ROOT, "| %5d", sum)).toString());
        }
        return rows;
    }

    /**
     * Two lines: one character per bin from {@code fromMs} to {@code toMs} (clipped to the bins), its height the
     * bin's count relative to the largest bin of the whole run, and under it the events' letters (an event whose
     * place another took stands right of it).
     */
    public List<String> strip(long fromMs, long toMs) {
        long max = 0;
        for (long b : bins) {
            max = Math.max(max, b);
        }
        int first = (int) Math.max(0, Math.floorDiv(fromMs, binMs));
        int last = (int) Math.min(bins.length, Math.floorDiv(toMs, binMs) + 1);
        StringBuilder shape = new StringBuilder("|");
        for (int i = first; i < last; i++) {
            shape.append(level(bins[i], max));
        }
        char[] events = new char[Math.max(0, last - first) + marks.size() + 1];
        Arrays.fill(events, ' ');
        marks.stream().sorted((x, y) -> Long.compare(x.atMs(), y.atMs())).forEach(m -> {
            long bin = Math.floorDiv(m.atMs(), binMs);
            if (bin >= first && bin < last) {
                int at = (int) (bin - first) + 1;
                while (events[at] != ' ') {
                    at++;
                }
                events[at] = m.symbol();
            }
        });
        return List.of(shape.append('|').toString(), new String(events).stripTrailing());
    }

    private static char level(long count, long max) {
        if (count <= 0 || max <= 0) {
            return LEVELS.charAt(0);
        }
        int top = LEVELS.length() - 1;
        return LEVELS.charAt((int) Math.max(1, Math.round((double) count * top / max)));
    }

    /** The letters of the events in bin {@code i}, in time order. */
    private String symbolsIn(int i) {
        StringBuilder s = new StringBuilder();
        marks.stream().filter(m -> Math.floorDiv(m.atMs(), binMs) == i)
                .sorted((x, y) -> Long.compare(x.atMs(), y.atMs()))
                .forEach(m -> s.append(m.symbol()));
        return s.toString();
    }
}
