package dev.ferry.net.switching;

import java.util.concurrent.atomic.LongAdder;

/** A port's live counters: frames and bytes each way, drops by reason. Thread-safe. */
final class PortCounters {

    private final LongAdder rxFrames = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder txFrames = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder[] drops = new LongAdder[DropReason.values().length];

    PortCounters() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    void received(int len) {
        rxFrames.increment();
        rxBytes.add(len);
    }

    void sent(int len) {
        txFrames.increment();
        txBytes.add(len);
    }

    void dropped(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    PortTotals totals() {
        return new PortTotals(rxFrames.sum(), rxBytes.sum(), txFrames.sum(), txBytes.sum(),
                drops[DropReason.SPOOFED.ordinal()].sum(), drops[DropReason.RATE_LIMITED.ordinal()].sum(),
                drops[DropReason.MALFORMED.ordinal()].sum(), drops[DropReason.NO_ROUTE.ordinal()].sum());
    }
}
