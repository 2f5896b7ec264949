package dev.ferry.bench.network;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code ping -D} printed: when each reply came (its wall-clock stamp, in microseconds since the epoch) and
 * the counts of its summary. Gives the longest time between two consecutive replies, the gap a pinging client saw.
 *
 * @param replyMicros the stamps of the replies, in the order they came
 * @param transmitted requests sent, from the summary (-1 if there was none)
 * @param received    replies, from the summary (-1 if there was none)
 */
public record PingLog(List<Long> replyMicros, long transmitted, long received) {

    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{1,6})\\] \\d+ bytes from .*icmp_seq=");
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");

    /** A gap between the replies stamped {@code fromMicros} and {@code toMicros}. */
    public record Gap(long fromMicros, long toMicros) {

        /** The gap's length in milliseconds. */
        public double lengthMs() {
            return (toMicros - fromMicros) / 1000.0;
        }
    }

    /** Copies the stamps. */
    public PingLog {
        replyMicros = List.copyOf(replyMicros);
    }

    /** Reads ping's whole output; lines other than replies and the summary are ignored. */
    public static PingLog parse(String output) {
        List<Long> replies = new ArrayList<>();
        long transmitted = -1;
        long received = -1;
        for (String line : output.split("\n")) {
            Matcher r = REPLY.matcher(line);
            if (r.find()) {
                String fraction = (r.group(2) + "00000").substring(0, 6);
                replies.add(Long.parseLong(r.group(1)) * 1_000_000 + Long.parseLong(fraction));
                continue;
            }
            Matcher s = SUMMARY.matcher(line);
            if (s.find()) {
                transmitted = Long.parseLong(s.group(1));
                received = Long.parseLong(s.group(2));
            }
        }
        return new PingLog(replies, transmitted, received);
    }

    /** The longest time between consecutive replies, or {@code null} with fewer than two replies. */
    public Gap longestGap() {
        return longestGap(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** As {@link #longestGap()}, among the gaps that overlap the span from {@code fromMicros} to {@code toMicros}. */
    public Gap longestGap(long fromMicros, long toMicros) {
        Gap longest = null;
        for (int i = 1; i < replyMicros.size(); i++) {
            long from = replyMicros.get(i - 1);
            long to = replyMicros.get(i);
            if (to >= fromMicros && from <= toMicros
                    && (longest == null || to - from > longest.toMicros() - longest.fromMicros())) {
                longest = new Gap(from, to);
            }
        }
        return longest;
    }
}
