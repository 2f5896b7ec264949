package dev.ferry.migration.wire;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answer of a target that takes in as many migrations as it allows: an ERROR frame in place of BEGIN_OK whose
 * reason starts with {@code "target busy: "} and ends with {@code "retry in N ms"}. A source that reads it waits
 * about N ms and connects again (its migration is queued meanwhile); a source that does not know it fails with the
 * readable reason. An ERROR is used rather than a new frame type so that every protocol version understands it.
 *
 * <pre>
 * ERROR "target busy: 2 incoming migrations under way (limit 2); number 3 in the queue; retry in 750 ms"
 * </pre>
 */
public final class BusyReply {

    /** The start of every busy reason. */
    public static final String PREFIX = "target busy: ";
    /** Retry intervals named in a reply are clamped to this range by both sides. */
    public static final long MIN_RETRY_MILLIS = 50;
    /** The longest retry interval a target names or a source waits. */
    public static final long MAX_RETRY_MILLIS = 2000;
    private static final Pattern RETRY = Pattern.compile("^(?:peer reported: )?" + Pattern.quote(PREFIX)
            + ".*retry in (\\d{1,9}) ms$");

    private BusyReply() {
    }

    /**
     * The reason a busy target sends.
     *
     * @param underWay    migrations it takes in now
     * @param limit       how many it allows at once
     * @param position    the place of this migration in its queue (1 = next)
     * @param retryMillis when the source should ask again
     */
    public static String reason(int underWay, int limit, int position, long retryMillis) {
        return PREFIX + underWay + " incoming migrations under way (limit " + limit + "); number " + position
                + " in the queue; retry in " + clamp(retryMillis) + " ms";
    }

    /** The retry interval of a busy reason (as sent, or as {@link FrameConnection#expect} reports it), if it is one. */
    public static OptionalLong retryMillis(String reason) {
        if (reason == null) {
            return OptionalLong.empty();
        }
        Matcher m = RETRY.matcher(reason);
        return m.matches() ? OptionalLong.of(clamp(Long.parseLong(m.group(1)))) : OptionalLong.empty();
    }

    private static long clamp(long millis) {
        return Math.max(MIN_RETRY_MILLIS, Math.min(MAX_RETRY_MILLIS, millis));
    }
}
