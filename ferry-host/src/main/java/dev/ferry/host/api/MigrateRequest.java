package dev.ferry.host.api;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code POST /v1/vms/NAME/migrate}: the target and every {@link MigrationOptions} field. Absent fields take
 * the strategy's defaults. Rates are bits/s as numbers or strings such as {@code "1G"}.
 *
 * @param to                the target host's control API address, {@code HOST:PORT}
 * @param strategy          stopcopy, precopy, postcopy, hybrid, demand (default precopy)
 * @param streams           parallel TCP connections (1..16)
 * @param bandwidth         fixed rate cap in bits/s, 0 = unlimited
 * @param rate              fixed or dynamic
 * @param minRate           dynamic: rate of the first round
 * @param maxRate           dynamic: ceiling
 * @param maxDowntimeMs     pre-copy stops when the expected downtime is below this
 * @param maxRounds         pre-copy stops after this many rounds
 * @param precopyRounds     hybrid: pre-copy rounds before post-copy
 * @param autoConverge      throttle the vCPU while it dirties faster than we send
 * @param onStall           postcopy, throttle or abort
 * @param order             sequential or frequency
 * @param delayHot          write-frequency threshold (0..1) for delaying hot pages, 0 = off
 * @param skipRedirtied     skip pages dirtied again since the round began
 * @param zeroPages         zero-page marker
 * @param xbzrle            delta encoding
 * @param lz4               LZ4 compression
 * @param skipFree          skip pages the guest reported free
 * @param prepage           post-copy pre-paging radius
 * @param switchoverTimeoutMs how long the VM may stay paused until the target confirms the switchover; past it the
 *                          migration is aborted and the VM resumes here (absent: a few times the expected downtime,
 *                          at least 1 s)
 * @param demandIdlePushMs  demand migration: push the pages not pulled yet once no fault has come for this long
 * @param copyDisks         copy the VM's writable disk files to the target with its memory (default: disks are
 *                          shared storage)
 */
public record MigrateRequest(String to, String strategy, Integer streams, String bandwidth, String rate,
        String minRate, String maxRate, Long maxDowntimeMs, Integer maxRounds, Integer precopyRounds,
        Boolean autoConverge, String onStall, String order, Double delayHot, Boolean skipRedirtied,
        Boolean zeroPages, Boolean xbzrle, Boolean lz4, Boolean skipFree, Integer prepage, Long switchoverTimeoutMs,
        Long demandIdlePushMs, Boolean copyDisks) {

    /** A request with the automatic switchover deadline and the default demand idle push. */
    public MigrateRequest(String to, String strategy, Integer streams, String bandwidth, String rate,
            String minRate, String maxRate, Long maxDowntimeMs, Integer maxRounds, Integer precopyRounds,
            Boolean autoConverge, String onStall, String order, Double delayHot, Boolean skipRedirtied,
            Boolean zeroPages, Boolean xbzrle, Boolean lz4, Boolean skipFree, Integer prepage) {
        this(to, strategy, streams, bandwidth, rate, minRate, maxRate, maxDowntimeMs, maxRounds, precopyRounds,
                autoConverge, onStall, order, delayHot, skipRedirtied, zeroPages, xbzrle, lz4, skipFree, prepage, null,
                null, null);
    }

    /** The options this request asks for; {@link IllegalArgumentException} with a readable message otherwise. */
    public MigrationOptions toOptions() {
        Strategy s = strategy == null ? Strategy.PRECOPY : parseEnum(Strategy.class, "strategy", strategy);
        MigrationOptions d = MigrationOptions.defaults(s);
        return new MigrationOptions(s,
                streams != null ? streams : d.streams(),
                bandwidth != null ? Quantities.parseBitsPerSecond(bandwidth) : d.bandwidthBitsPerSec(),
                rate != null ? parseEnum(RateMode.class, "rate", rate) : d.rate(),
                minRate != null ? Quantities.parseBitsPerSecond(minRate) : d.minRateBitsPerSec(),
                maxRate != null ? Quantities.parseBitsPerSecond(maxRate) : d.maxRateBitsPerSec(),
                maxDowntimeMs != null ? maxDowntimeMs : d.maxDowntimeMillis(),
                maxRounds != null ? maxRounds : d.maxRounds(),
                precopyRounds != null ? precopyRounds : d.precopyRounds(),
                autoConverge != null ? autoConverge : d.autoConverge(),
                onStall != null ? parseEnum(StallAction.class, "on_stall", onStall) : d.onStall(),
                order != null ? parseEnum(PageOrder.class, "order", order) : d.order(),
                delayHot != null ? delayHot : d.delayHotThreshold(),
                skipRedirtied != null ? skipRedirtied : d.skipRedirtied(),
                zeroPages != null ? zeroPages : d.zeroPages(),
                xbzrle != null ? xbzrle : d.xbzrle(),
                lz4 != null ? lz4 : d.lz4(),
                skipFree != null ? skipFree : d.skipFreePages(),
                prepage != null ? prepage : d.prepagingRadius(),
                demandIdlePushMs != null ? demandIdlePushMs : d.demandIdlePushMillis(),
                switchoverTimeoutMs != null ? switchoverTimeoutMs : d.switchoverTimeoutMillis(),
                copyDisks != null && copyDisks);
    }

    /** Parses an enum value written in any case, with '-' or '_' between words. */
    public static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException(field + ": '" + value + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", ")));
    }
}
