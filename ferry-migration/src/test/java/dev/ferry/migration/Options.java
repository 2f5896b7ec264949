package dev.ferry.migration;

/** A mutable copy of {@link MigrationOptions} for tests that change a few fields. */
public final class Options {
    public Strategy strategy;
    public int streams;
    public long bandwidth;
    public RateMode rate;
    public long minRate;
    public long maxRate;
    public long maxDowntime;
    public int maxRounds;
    public int precopyRounds;
    public boolean autoConverge;
    public StallAction onStall;
    public PageOrder order;
    public double delayHot;
    public boolean skipRedirtied;
    public boolean zeroPages;
    public boolean xbzrle;
    public boolean lz4;
    public boolean skipFree;
    public int prepaging;
    public long demandIdlePush;
    public long switchoverTimeout;

    /** The defaults of strategy {@code s}. */
    public static Options of(Strategy s) {
        MigrationOptions d = MigrationOptions.defaults(s);
        Options o = new Options();
        o.strategy = s;
        o.streams = d.streams();
        o.bandwidth = d.bandwidthBitsPerSec();
        o.rate = d.rate();
        o.minRate = d.minRateBitsPerSec();
        o.maxRate = d.maxRateBitsPerSec();
        o.maxDowntime = d.maxDowntimeMillis();
        o.maxRounds = d.maxRounds();
        o.precopyRounds = d.precopyRounds();
        o.autoConverge = d.autoConverge();
        o.onStall = d.onStall();
        o.order = d.order();
        o.delayHot = d.delayHotThreshold();
        o.skipRedirtied = d.skipRedirtied();
        o.zeroPages = d.zeroPages();
        o.xbzrle = d.xbzrle();
        o.lz4 = d.lz4();
        o.skipFree = d.skipFreePages();
        o.prepaging = d.prepagingRadius();
        o.demandIdlePush = d.demandIdlePushMillis();
        o.switchoverTimeout = d.switchoverTimeoutMillis();
        return o;
    }

    /** The options as set; invalid values throw as {@link MigrationOptions} does. */
    public MigrationOptions build() {
        return new MigrationOptions(strategy, streams, bandwidth, rate, minRate, maxRate, maxDowntime, maxRounds,
                precopyRounds, autoConverge, onStall, order, delayHot, skipRedirtied, zeroPages, xbzrle, lz4, skipFree,
                prepaging, demandIdlePush, switchoverTimeout);
    }
}
