package dev.ferry.cluster.schedule;

import dev.ferry.cluster.model.VmState;
import dev.ferry.cluster.policy.MigrationTime;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.policy.Decision;
import dev.ferry.migration.policy.MigrationPolicy;
import dev.ferry.migration.policy.PostCopyPaging;
import dev.ferry.migration.policy.RoundFigures;
import java.util.BitSet;
import java.util.Objects;

/**
 * Predicts a live migration by running the engine's own {@link MigrationPolicy} for the options against a model VM
 * and link, with a fake clock. The model VM holds data in its touched pages; its writable working set is the first
 * pages of those, and during a round of {@code t} seconds it dirties {@code rate x t x (1 - throttle)} of them, at
 * most the whole working set. A round, the stop-and-copy and the post-copy push send pages at the decision's rate
 * limit or the link's rate, whichever is lower; pages go raw (no compression or zero-page savings modelled). The
 * downtime is the stop-and-copy; a post-copy switchover counts no downtime (device state is not modelled) and its
 * pages arrive by the background push (after the idle period for a demand migration).
 */
public final class MigrationCostModel {

    /** Rounds the model runs at most, whatever the policy says: a guard against a policy that never stops. */
    static final int ROUND_GUARD = 10_000;
    private final MigrationOptions options;

    /** A model of migrations with {@code options}. */
    public MigrationCostModel(MigrationOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * What the model predicts for one migration.
     *
     * @param totalSeconds    from the start until every page is on the target
     * @param downtimeSeconds how long the VM is paused (the stop-and-copy)
     * @param bytes           page bytes sent
     * @param rounds          pre-copy rounds run
     * @param outcome         how it ended: the policy's reason for its final decision
     * @param aborted         whether the policy gave up (the VM stays on the source)
     */
    public record Prediction(double totalSeconds, double downtimeSeconds, long bytes, int rounds, String outcome,
            boolean aborted) {
    }

    /** The prediction for {@code vm} over a link of {@code linkBytesPerSec}, its working set all its touched RAM. */
    public Prediction predict(VmState vm, double linkBytesPerSec) {
        return predict(vm.touchedBytes(), vm.dirtyPagesPerSec(), vm.touchedBytes(), linkBytesPerSec);
    }

    /** The model's total time as the policies' {@link MigrationTime} (infinite when the policy would abort). */
    public MigrationTime asMigrationTime(double linkBytesPerSec) {
        return vm -> {
            Prediction p = predict(vm, linkBytesPerSec);
            return p.aborted() ? Double.POSITIVE_INFINITY : p.totalSeconds();
        };
    }

    /**
     * The prediction for a VM with {@code touchedBytes} of data that dirties {@code dirtyPagesPerSec} pages per
     * second within a working set of {@code workingSetBytes}, over a link of {@code linkBytesPerSec}.
     */
    public Prediction predict(long touchedBytes, double dirtyPagesPerSec, long workingSetBytes,
            double linkBytesPerSec) {
        if (touchedBytes < 0 || !(dirtyPagesPerSec >= 0) || workingSetBytes < 0 || !(linkBytesPerSec > 0)) {
            throw new IllegalArgumentException("need figures >= 0 and a positive link rate");
        }
        int pages = Math.toIntExact(ceilPages(touchedBytes));
        int workingSet = (int) Math.min(pages, ceilPages(workingSetBytes));
        long[] now = {0};
        MigrationPolicy policy = MigrationPolicy.forOptions(options, () -> now[0]);
        BitSet allocated = new BitSet(pages);
        allocated.set(0, pages);
        Decision d = policy.begin(allocated);
        long bytes = 0;
        int round = 0;
        while (d instanceof Decision.Send send) {
            if (++round > ROUND_GUARD) {
                throw new IllegalStateException("the policy asked for more than " + ROUND_GUARD + " rounds");
            }
            long sent = send.order().length;
            long raw = sent * RoundFigures.PAGE_SIZE;
            long nanos = nanos(raw, send.rateBitsPerSec(), linkBytesPerSec);
            double written = dirtyPagesPerSec * (1 - send.throttle()) * nanos / 1e9;
            BitSet dirtied = new BitSet(workingSet);
            dirtied.set(0, (int) Math.min(workingSet, Math.floor(written)));
            now[0] += nanos;
            bytes += raw;
            d = policy.afterRound(new RoundFigures(round, sent, sent, raw, raw, nanos, dirtied, send.throttle()));
        }
        return switch (d) {
            case Decision.StopAndCopy s -> {
                long raw = (long) s.pages().cardinality() * RoundFigures.PAGE_SIZE;
                long nanos = nanos(raw, s.rateBitsPerSec(), linkBytesPerSec);
                yield new Prediction((now[0] + nanos) / 1e9, nanos / 1e9, bytes + raw, round, s.reason(), false);
            }
            case Decision.PostCopy p -> {
                PostCopyPaging paging = policy.postCopy(p.absent());
                long pageNanos = nanos(RoundFigures.PAGE_SIZE, p.rateBitsPerSec(), linkBytesPerSec);
                long pushed = 0;
                while (!paging.complete()) {
                    if (!paging.pushing()) {
                        now[0] += paging.nanosUntilPush();
                        continue;
                    }
                    if (paging.nextPush() < 0) {
                        break;
                    }
                    pushed++;
                    now[0] += pageNanos;
                }
                yield new Prediction(now[0] / 1e9, 0, bytes + pushed * RoundFigures.PAGE_SIZE, round, p.reason(),
                        false);
            }
            case Decision.Abort a -> new Prediction(now[0] / 1e9, 0, bytes, round, a.reason(), true);
            case Decision.Send s -> throw new AssertionError("rounds end above");
        };
    }

    private static long ceilPages(long bytes) {
        return (bytes + RoundFigures.PAGE_SIZE - 1) / RoundFigures.PAGE_SIZE;
    }

    /** Nanoseconds to send {@code bytes} at the lower of the limit (bits/s, 0 = none) and the link. */
    private static long nanos(long bytes, long limitBitsPerSec, double linkBytesPerSec) {
        double rate = limitBitsPerSec > 0 ? Math.min(linkBytesPerSec, limitBitsPerSec / 8.0) : linkBytesPerSec;
        return (long) Math.ceil(bytes / rate * 1e9);
    }
}
