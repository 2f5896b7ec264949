package dev.ferry.migration;

import java.util.Objects;

/**
 * Everything a user can choose about one migration. {@link #defaults(Strategy)} gives sane values; the
 * canonical constructor rejects nonsense with a message naming the option.
 *
 * @param strategy            how memory moves
 * @param streams             parallel TCP connections for pages (1..16)
 * @param bandwidthBitsPerSec fixed send-rate cap, 0 = unlimited (used with {@link RateMode#FIXED})
 * @param rate                fixed cap or Clark's dynamic rate limiting
 * @param minRateBitsPerSec   dynamic mode: rate of the first round
 * @param maxRateBitsPerSec   dynamic mode: ceiling; pre-copy stops when the computed rate exceeds it
 * @param maxDowntimeMillis   pre-copy stops when the expected stop-and-copy time is below this
 * @param maxRounds           pre-copy stops after this many rounds
 * @param precopyRounds       hybrid: pre-copy rounds before switching to post-copy
 * @param autoConverge        throttle the vCPU while it dirties memory faster than it is sent
 * @param onStall             what to do when the remaining set stops shrinking
 * @param order               page order within a round
 * @param delayHotThreshold   write frequency (0..1, share of recent rounds a page was written in) at or above
 *                            which a page waits for stop-and-copy; 0 = off
 * @param skipRedirtied       skip pages dirtied again since the round began (they will be sent next round)
 * @param zeroPages           send all-zero pages as a marker
 * @param xbzrle              send pages as a delta against the last copy sent
 * @param lz4                 compress pages with LZ4
 * @param skipFreePages       do not send pages the guest reported free
 * @param prepagingRadius     post-copy: pages around a faulting page sent with it
 * @param demandIdlePushMillis demand migration: push the pages not pulled yet once no fault has come for this
 *                            long, so a migration whose guest never touches its last pages still finishes
 * @param switchoverTimeoutMillis how long the VM may stay paused on the source until the target confirms the
 *                            switchover (READY); past it the source aborts before COMMIT and resumes the VM. 0 =
 *                            automatic: a few times the expected downtime, at least 1 s
 *                            ({@link dev.ferry.migration.policy.SwitchoverDeadline})
 * @param copyDisks           copy the VM's writable disk files to the target in the migration stream (their blocks
 *                            move in the same rounds as its pages); otherwise disks are shared storage
 */
public record MigrationOptions(Strategy strategy, int streams, long bandwidthBitsPerSec, RateMode rate,
        long minRateBitsPerSec, long maxRateBitsPerSec, long maxDowntimeMillis, int maxRounds, int precopyRounds,
        boolean autoConverge, StallAction onStall, PageOrder order, double delayHotThreshold, boolean skipRedirtied,
        boolean zeroPages, boolean xbzrle, boolean lz4, boolean skipFreePages, int prepagingRadius,
        long demandIdlePushMillis, long switchoverTimeoutMillis, boolean copyDisks) {

    /** The longest idle period before a demand migration pushes the rest: one hour. */
    public static final long MAX_DEMAND_IDLE_PUSH_MILLIS = 3_600_000;
    /** The default idle period before a demand migration pushes the rest: 5 s. */
    public static final long DEFAULT_DEMAND_IDLE_PUSH_MILLIS = 5_000;
    /** The shortest switchover deadline a user may set: 100 ms. */
    public static final long MIN_SWITCHOVER_TIMEOUT_MILLIS = 100;
    /** The longest switchover deadline a user may set: one hour. */
    public static final long MAX_SWITCHOVER_TIMEOUT_MILLIS = 3_600_000;

    /** Validates every field. */
    public MigrationOptions {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(onStall, "onStall");
        Objects.requireNonNull(order, "order");
        require(streams >= 1 && streams <= 16, "--streams must be between 1 and 16");
        require(bandwidthBitsPerSec >= 0, "--bandwidth must not be negative");
        require(minRateBitsPerSec > 0 && maxRateBitsPerSec >= minRateBitsPerSec,
                "--min-rate must be positive and not above --max-rate");
        require(maxDowntimeMillis >= 0, "--max-downtime must not be negative");
        require(maxRounds >= 1 && maxRounds <= 1000, "--max-rounds must be between 1 and 1000");
        require(precopyRounds >= 0 && precopyRounds <= 1000, "--precopy-rounds must be between 0 and 1000");
        require(delayHotThreshold >= 0 && delayHotThreshold <= 1, "--delay-hot must be between 0 and 1");
        require(prepagingRadius >= 0 && prepagingRadius <= 1024, "--prepage must be between 0 and 1024");
        require(demandIdlePushMillis >= 1 && demandIdlePushMillis <= MAX_DEMAND_IDLE_PUSH_MILLIS,
                "--demand-idle-push must be between 1 ms and 1 hour");
        require(switchoverTimeoutMillis == 0 || switchoverTimeoutMillis >= MIN_SWITCHOVER_TIMEOUT_MILLIS
                && switchoverTimeoutMillis <= MAX_SWITCHOVER_TIMEOUT_MILLIS,
                "--switchover-timeout must be between 100 ms and 1 hour (or 0: automatic)");
    }

    /** The options with shared disks; for callers written before {@code copyDisks} existed. */
    public MigrationOptions(Strategy strategy, int streams, long bandwidthBitsPerSec, RateMode rate,
            long minRateBitsPerSec, long maxRateBitsPerSec, long maxDowntimeMillis, int maxRounds, int precopyRounds,
            boolean autoConverge, StallAction onStall, PageOrder order, double delayHotThreshold,
            boolean skipRedirtied, boolean zeroPages, boolean xbzrle, boolean lz4, boolean skipFreePages,
            int prepagingRadius, long demandIdlePushMillis, long switchoverTimeoutMillis) {
        this(strategy, streams, bandwidthBitsPerSec, rate, minRateBitsPerSec, maxRateBitsPerSec, maxDowntimeMillis,
                maxRounds, precopyRounds, autoConverge, onStall, order, delayHotThreshold, skipRedirtied, zeroPages,
                xbzrle, lz4, skipFreePages, prepagingRadius, demandIdlePushMillis, switchoverTimeoutMillis, false);
    }

    /**
     * The options with an automatic switchover deadline; for callers written before {@code switchoverTimeoutMillis}
     * existed.
     */
    public MigrationOptions(Strategy strategy, int streams, long bandwidthBitsPerSec, RateMode rate,
            long minRateBitsPerSec, long maxRateBitsPerSec, long maxDowntimeMillis, int maxRounds, int precopyRounds,
            boolean autoConverge, StallAction onStall, PageOrder order, double delayHotThreshold,
            boolean skipRedirtied, boolean zeroPages, boolean xbzrle, boolean lz4, boolean skipFreePages,
            int prepagingRadius, long demandIdlePushMillis) {
        this(strategy, streams, bandwidthBitsPerSec, rate, minRateBitsPerSec, maxRateBitsPerSec, maxDowntimeMillis,
                maxRounds, precopyRounds, autoConverge, onStall, order, delayHotThreshold, skipRedirtied, zeroPages,
                xbzrle, lz4, skipFreePages, prepagingRadius, demandIdlePushMillis, 0);
    }

    /**
     * The options without {@code demandIdlePushMillis}, which takes its default; for callers written before that
     * field existed.
     */
    public MigrationOptions(Strategy strategy, int streams, long bandwidthBitsPerSec, RateMode rate,
            long minRateBitsPerSec, long maxRateBitsPerSec, long maxDowntimeMillis, int maxRounds, int precopyRounds,
            boolean autoConverge, StallAction onStall, PageOrder order, double delayHotThreshold,
            boolean skipRedirtied, boolean zeroPages, boolean xbzrle, boolean lz4, boolean skipFreePages,
            int prepagingRadius) {
        this(strategy, streams, bandwidthBitsPerSec, rate, minRateBitsPerSec, maxRateBitsPerSec, maxDowntimeMillis,
                maxRounds, precopyRounds, autoConverge, onStall, order, delayHotThreshold, skipRedirtied, zeroPages,
                xbzrle, lz4, skipFreePages, prepagingRadius, DEFAULT_DEMAND_IDLE_PUSH_MILLIS);
    }

    /**
     * Defaults: two streams, unlimited rate, 300 ms downtime target, 30 rounds, zero-page marker on, a demand
     * migration pushes the rest after 5 s without a fault, an automatic switchover deadline.
     */
    public static MigrationOptions defaults(Strategy strategy) {
        return new MigrationOptions(strategy, 2, 0, RateMode.FIXED, 100_000_000L, 10_000_000_000L, 300, 30, 2,
                false, StallAction.ABORT, PageOrder.SEQUENTIAL, 0, true, true, false, false, true, 16,
                DEFAULT_DEMAND_IDLE_PUSH_MILLIS, 0, false);
    }

    /** These options with disks copied ({@code true}) or shared. */
    public MigrationOptions withCopyDisks(boolean copy) {
        return new MigrationOptions(strategy, streams, bandwidthBitsPerSec, rate, minRateBitsPerSec, maxRateBitsPerSec,
                maxDowntimeMillis, maxRounds, precopyRounds, autoConverge, onStall, order, delayHotThreshold,
                skipRedirtied, zeroPages, xbzrle, lz4, skipFreePages, prepagingRadius, demandIdlePushMillis,
                switchoverTimeoutMillis, copy);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
