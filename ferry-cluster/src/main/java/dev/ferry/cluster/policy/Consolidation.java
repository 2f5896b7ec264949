package dev.ferry.cluster.policy;

import dev.ferry.cluster.energy.PowerModel;
import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerChange;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.VmState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Dynamic consolidation in the manner of Beloglazov and Buyya. Hosts above the upper CPU utilisation threshold, or
 * using more RAM than they have, shed VMs, the one with the shortest expected migration first, until they are
 * back within both. Then hosts below the lower threshold, least loaded first, are emptied when every one of their
 * VMs fits elsewhere, and go to standby. VMs go, largest CPU demand first, to the host whose power draw rises
 * least (power-aware best-fit decreasing; ties to the host with the least RAM left), never pushing a target above
 * the upper threshold or its RAM. A shed VM that fits on no running host wakes a host in standby.
 *
 * <p>No VM moves twice in a plan: hosts that shed or receive VMs are not emptied in the same plan.
 */
public final class Consolidation implements ClusterPolicy {

    private final double lower;
    private final double upper;
    private final PowerModel power;
    private final MigrationTime time;

    /**
     * @param lower hosts under this CPU utilisation (busy cores over cores) are emptied when their VMs fit elsewhere
     * @param upper hosts over it shed VMs; no target is filled beyond it
     * @param power what each host draws, to choose the target whose power rises least
     * @param time  expected migration time, to choose which VMs an overloaded host sheds
     */
    public Consolidation(double lower, double upper, PowerModel power, MigrationTime time) {
        if (!(lower >= 0 && upper > lower)) {
            throw new IllegalArgumentException("need 0 <= lower < upper thresholds, got " + lower + ", " + upper);
        }
        this.lower = lower;
        this.upper = upper;
        this.power = Objects.requireNonNull(power, "power");
        this.time = Objects.requireNonNull(time, "time");
    }

    @Override
    public Plan plan(ClusterSnapshot now) {
        Loads loads = Loads.of(now);
        List<Move> moves = new ArrayList<>();
        List<PowerChange> changes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<String> busy = new HashSet<>();
        double wattsBefore = power.watts(now);
        relieveOverloaded(loads, moves, changes, notes, busy);
        emptyUnderloaded(loads, moves, changes, notes, busy);
        Plan plan = new Plan(moves, changes, notes);
        notes.add(String.format("consolidation: %d moves, %d hosts to standby, %d woken; %.0f W before, %.0f W after",
                moves.size(), changes.stream().filter(c -> c.to() == PowerState.STANDBY).count(),
                changes.stream().filter(c -> c.to() == PowerState.ON).count(), wattsBefore,
                power.watts(now.after(plan))));
        return new Plan(moves, changes, notes);
    }

    private boolean over(Loads loads, String host) {
        return loads.utilization(host) > upper + Loads.EPSILON || loads.overMemory(host);
    }

    private void relieveOverloaded(Loads loads, List<Move> moves, List<PowerChange> changes, List<String> notes,
            Set<String> busy) {
        Map<String, String> origin = new HashMap<>();
        List<VmState> shed = new ArrayList<>();
        for (HostState h : List.copyOf(loads.hosts())) {
            if (h.power() != PowerState.ON || !over(loads, h.name())) {
                continue;
            }
            busy.add(h.name());
            while (over(loads, h.name()) && !loads.vmsOn(h.name()).isEmpty()) {
                VmState v = loads.vmsOn(h.name()).stream()
                        .min(Comparator.comparingDouble(time::seconds).thenComparing(VmState::name)).orElseThrow();
                loads.remove(v);
                shed.add(v);
                origin.put(v.name(), h.name());
            }
        }
        shed.sort(Comparator.comparingDouble(VmState::cpuDemand).reversed()
                .thenComparing(Comparator.comparingLong(VmState::memoryBytes).reversed()));
        for (VmState v : shed) {
            String from = origin.get(v.name());
            String to = bestTarget(loads, v, busy, false);
            if (to == null) {
                to = bestTarget(loads, v, busy, true);
                if (to != null) {
                    loads.setPower(to, PowerState.ON);
                    changes.add(new PowerChange(to, PowerState.ON, "woken for VM " + v.name() + " of overloaded "
                            + from));
                }
            }
            if (to == null) {
                loads.add(v, from);
                notes.add("VM " + v.name() + " of overloaded " + from + " fits on no other host: it stays");
                continue;
            }
            loads.add(v, to);
            moves.add(new Move(v.name(), from, to, String.format("%s over the upper threshold (%.0f%%) or its RAM",
                    from, upper * 100)));
        }
        for (Move m : moves) {
            busy.add(m.to());
        }
        for (String h : busy) {
            if (loads.overMemory(h)) {
                notes.add("host " + h + " remains over its RAM: nowhere to move enough of its VMs");
            }
        }
    }

    private void emptyUnderloaded(Loads loads, List<Move> moves, List<PowerChange> changes, List<String> notes,
            Set<String> busy) {
        List<HostState> candidates = new ArrayList<>();
        for (HostState h : loads.hosts()) {
            if (h.acceptsVms() && !busy.contains(h.name()) && loads.utilization(h.name()) < lower) {
                candidates.add(h);
            }
        }
        candidates.sort(Comparator.comparingDouble(h -> loads.utilization(h.name())));
        Set<String> emptied = new LinkedHashSet<>();
        for (HostState h : candidates) {
            if (busy.contains(h.name())) {
                continue;
            }
            Set<String> exclude = new HashSet<>(emptied);
            exclude.add(h.name());
            List<VmState> vms = new ArrayList<>(loads.vmsOn(h.name()));
            vms.sort(Comparator.comparingDouble(VmState::cpuDemand).reversed()
                    .thenComparing(Comparator.comparingLong(VmState::memoryBytes).reversed()));
            List<Move> tentative = new ArrayList<>();
            boolean all = true;
            for (VmState v : vms) {
                String to = bestTarget(loads, v, exclude, false);
                if (to == null) {
                    all = false;
                    break;
                }
                loads.move(v, to);
                tentative.add(new Move(v.name(), h.name(), to, String.format("emptying %s (under %.0f%% CPU)",
                        h.name(), lower * 100)));
            }
            if (!all) {
                for (Move m : tentative) {
                    loads.move(vms.stream().filter(v -> v.name().equals(m.vm())).findFirst().orElseThrow(), h.name());
                }
                notes.add("host " + h.name() + " is under the lower threshold but its VMs do not all fit elsewhere");
                continue;
            }
            moves.addAll(tentative);
            for (Move m : tentative) {
                busy.add(m.to());
            }
            emptied.add(h.name());
            loads.setPower(h.name(), PowerState.STANDBY);
            changes.add(new PowerChange(h.name(), PowerState.STANDBY, "emptied by consolidation"));
        }
    }

    /**
     * The host whose power rises least when {@code v} joins it, among the running hosts that take VMs
     * ({@code standby}: among the hosts in standby, not in maintenance) and keep within the upper threshold and
     * their RAM; null when none fits.
     */
    private String bestTarget(Loads loads, VmState v, Set<String> exclude, boolean standby) {
        int best = -1;
        double bestRise = 0;
        long bestLeft = 0;
        for (int i = 0; i < loads.size(); i++) {
            if (!standby && !loads.accepts(i) || !loads.hasRoom(i, v.cpuDemand(), v.memoryBytes(), upper)) {
                continue;
            }
            HostState h = loads.host(i);
            if (standby && (h.power() != PowerState.STANDBY || h.maintenance()) || exclude.contains(h.name())) {
                continue;
            }
            double cpu = loads.cpu(i);
            double rise = power.watts(standby ? h.withPower(PowerState.ON) : h, (cpu + v.cpuDemand()) / h.cores())
                    - power.watts(h, cpu / h.cores());
            long left = h.memoryBytes() - loads.memory(i) - v.memoryBytes();
            if (best < 0 || rise < bestRise - Loads.EPSILON || rise <= bestRise + Loads.EPSILON && left < bestLeft) {
                best = i;
                bestRise = rise;
                bestLeft = left;
            }
        }
        return best < 0 ? null : loads.host(best).name();
    }
}
