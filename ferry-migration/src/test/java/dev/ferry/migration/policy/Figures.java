package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Options;
import dev.ferry.migration.Strategy;
import java.util.BitSet;
import java.util.function.Consumer;

/** Synthetic round figures and options for the policy tests. */
final class Figures {

    /** Wire bytes of an uncompressed page in a batch (the page plus its header). */
    static final int FRAMED_PAGE = RoundFigures.PAGE_SIZE + 16;

    private Figures() {
    }

    static BitSet pages(int... p) {
        BitSet b = new BitSet();
        for (int x : p) {
            b.set(x);
        }
        return b;
    }

    /** Pages {@code from} (inclusive) to {@code to} (exclusive). */
    static BitSet range(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to);
        return b;
    }

    /** A round that sent every planned page uncompressed in {@code millis}, dirtying {@code dirtied}. */
    static RoundFigures round(int r, long sent, double millis, BitSet dirtied) {
        return round(r, sent, sent * FRAMED_PAGE, millis, dirtied);
    }

    /** A round that sent every planned page as {@code wireBytes} on the wire in {@code millis}. */
    static RoundFigures round(int r, long sent, long wireBytes, double millis, BitSet dirtied) {
        return new RoundFigures(r, sent, sent, sent * RoundFigures.PAGE_SIZE, wireBytes, (long) (millis * 1e6),
                dirtied, 0);
    }

    static MigrationOptions options(Strategy s, Consumer<Options> change) {
        Options o = Options.of(s);
        change.accept(o);
        return o.build();
    }
}
