package dev.ferry.migration;

/** A mutable copy of {@link MigrationOptions} for tests that change a few fields. */
final class Options {
    Strategy strategy;
    int streams;
    long bandwidth;
    RateMode rate;
    long minRate;
    long maxRate;
    long maxDowntime;
    int maxRounds;
    int precopyRounds;
    boolean autoConverge;
    StallAction onStall;
    PageOrder order;
    double delayHot;
    boolean skipRedirtied;
    boolean zeroPages;
    boolean xbzrle;
    boolean lz4;
    boolean skipFree;
    int prepaging;

    static Options of(Strategy s) {
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
        return o;
    }

    MigrationOptions build() {
        return new MigrationOptions(strategy, streams, bandwidth, rate, minRate, maxRate, maxDowntime, maxRounds,
                precopyRounds, autoConverge, onStall, order, delayHot, skipRedirtied, zeroPages, xbzrle, lz4, skipFree,
                prepaging);
    }
}
