package dev.ferry.cluster.policy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Evens out CPU load. A running host whose utilisation has stayed above the threshold for a whole window (in every
 * snapshot this policy saw since it first went above) sheds one VM per call: the move, to a host that takes VMs and
 * stays within the threshold and its RAM, that leaves the smallest standard deviation of the running hosts'
 * utilisations; among moves within the tie tolerance of the best, the cheapest to migrate. A host that sheds a VM
 * starts a new window, so it does not shed again while that migration runs. Keeps the windows between calls: one
 * instance per cluster.
 */
public final class LoadBalancing implements ClusterPolicy {

    /** Default tie tolerance: moves within 3% of the spread before the move count as equally good. */
    public static final double DEFAULT_TIE_TOLERANCE = 0.03;

    private final double threshold;
    private final long windowMillis;
    private final MigrationTime time;
    private final double tieTolerance;
    private final Map<String, Long> aboveSince = new HashMap<>();

    /** Load balancing with the default tie tolerance. */
    public LoadBalancing(double threshold, long windowMillis, MigrationTime time) {
        this(threshold, windowMillis, time, DEFAULT_TIE_TOLERANCE);
    }

    /**
     * @param threshold    CPU utilisation (busy cores over cores) above which a host is overloaded
     * @param windowMillis how long a host must stay above before it sheds a VM
     * @param time         expected migration time, to prefer cheap VMs among equally good moves
     * @param tieTolerance moves whose resulting spread is within this share of the spread before the move of the
     *                     best one count as ties
     */
    public LoadBalancing(double threshold, long windowMillis, MigrationTime time, double tieTolerance) {
        if (!(threshold > 0) || windowMillis < 0 || !(tieTolerance >= 0)) {
            throw new IllegalArgumentException("need a positive threshold, a window >= 0 and a tolerance >= 0");
        }
        this.threshold = threshold;
        this.windowMillis = windowMillis;
        this.time = Objects.requireNonNull(time, "time");
        this.tieTolerance = tieTolerance;
    }

    @Override
    public Plan plan(ClusterSnapshot now) {
        Loads loads = Loads.of(now);
        Set<String> present = new HashSet<>();
        List<String> due = new ArrayList<>();
        double sum = 0;
        double sumSq = 0;
        int n = 0;
        for (HostState h : loads.hosts()) {
            present.add(h.name());
            double u = loads.utilization(h.name());
            if (h.power() != PowerState.ON) {
                aboveSince.remove(h.name());
                continue;
            }
            n++;
            sum += u;
            sumSq += u * u;
            if (u > threshold + Loads.EPSILON) {
                long since = aboveSince.computeIfAbsent(h.name(), k -> now.atMillis());
                if (now.atMillis() - since >= windowMillis) {
                    due.add(h.name());
                }
            } else {
                aboveSince.remove(h.name());
            }
        }
        aboveSince.keySet().retainAll(present);
        due.sort(Comparator.comparingDouble((String h) -> loads.utilization(h)).reversed());
        List<Move> moves = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<String> moved = new HashSet<>();
        for (String src : due) {
            Candidate c = bestMove(loads, src, moved, sum, sumSq, n);
            if (c == null) {
                notes.add(String.format("%s above %.0f%% for %d ms, but no move evens the load", src,
                        threshold * 100, windowMillis));
                continue;
            }
            double us = loads.utilization(src);
            double ut = loads.utilization(c.to);
            loads.move(c.vm, c.to);
            double us2 = loads.utilization(src);
            double ut2 = loads.utilization(c.to);
            sum += us2 - us + ut2 - ut;
            sumSq += us2 * us2 - us * us + ut2 * ut2 - ut * ut;
            moved.add(c.vm.name());
            aboveSince.remove(src);
            moves.add(new Move(c.vm.name(), src, c.to, String.format("%s above %.0f%% CPU for %d ms; spread of "
                    + "utilisations %.3f after the move", src, threshold * 100, windowMillis, c.spread)));
        }
        return new Plan(moves, List.of(), notes);
    }

    private record Candidate(VmState vm, String to, double spread, double seconds) {
    }

    /**
     * The move of one of {@code src}'s VMs that evens the load best, cheapest among ties; null when no move lowers
     * the spread. For each VM only its best target matters, so the loop over hosts keeps just that.
     */
    private Candidate bestMove(Loads loads, String src, Set<String> moved, double sum, double sumSq, int n) {
        int s = loads.index(src);
        HostState source = loads.host(s);
        double us = loads.utilization(s);
        double before = spread(sum, sumSq, n);
        List<Candidate> perVm = new ArrayList<>();
        for (VmState v : loads.vmsOn(src)) {
            if (moved.contains(v.name())) {
                continue;
            }
            double us2 = us - v.cpuDemand() / source.cores();
            double sum1 = sum + us2 - us;
            double sumSq1 = sumSq + us2 * us2 - us * us;
            int bestTarget = -1;
            double bestSpread = before - Loads.EPSILON;
            for (int t = 0; t < loads.size(); t++) {
                if (t == s || !loads.accepts(t) || !loads.hasRoom(t, v.cpuDemand(), v.memoryBytes(), threshold)) {
                    continue;
                }
                double ut = loads.utilization(t);
                double ut2 = ut + v.cpuDemand() / loads.cores(t);
                double spread = spread(sum1 + ut2 - ut, sumSq1 + ut2 * ut2 - ut * ut, n);
                if (spread < bestSpread) {
                    bestTarget = t;
                    bestSpread = spread;
                }
            }
            if (bestTarget >= 0) {
                perVm.add(new Candidate(v, loads.host(bestTarget).name(), bestSpread, time.seconds(v)));
            }
        }
        if (perVm.isEmpty()) {
            return null;
        }
        double best = perVm.stream().mapToDouble(Candidate::spread).min().orElseThrow();
        double limit = best + tieTolerance * before + Loads.EPSILON;
        return perVm.stream().filter(c -> c.spread <= limit)
                .min(Comparator.comparingDouble(Candidate::seconds).thenComparingDouble(Candidate::spread))
                .orElseThrow();
    }

    /** Population standard deviation from the sum and sum of squares of {@code n} values. */
    private static double spread(double sum, double sumSq, int n) {
        double mean = sum / n;
        return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    }
}
