package dev.ferry.sim.run;

import dev.ferry.cluster.energy.EnergyMeter;
import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerChange;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.TrafficMatrix;
import dev.ferry.cluster.model.VmState;
import dev.ferry.cluster.policy.Consolidation;
import dev.ferry.cluster.policy.LoadBalancing;
import dev.ferry.cluster.policy.MigrationTime;
import dev.ferry.cluster.schedule.MigrationCostModel;
import dev.ferry.cluster.schedule.MigrationQueue;
import dev.ferry.sim.engine.EventQueue;
import dev.ferry.sim.model.HostLinks;
import dev.ferry.sim.model.MigrationModel;
import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The simulation loop. At every sample it updates the VMs' CPU demand from their traces, builds a
 * {@link ClusterSnapshot}, meters energy with the cluster's {@link EnergyMeter}, counts each host's interval
 * (active, overloaded, joules) at that state, and runs {@link Consolidation} (then {@link LoadBalancing} on the
 * result, if configured) — the classes the cluster manager runs. The plan's moves go through the cluster's
 * {@link MigrationQueue}; each one, when it starts, takes the time {@link MigrationCostModel} predicts at its link
 * share and moves its VM when it ends. A plan's wake-ups happen at once; its standbys once its moves have ended,
 * and only for a host that is then empty with nothing on its way in.
 *
 * <p>Everything happens in simulated time on one {@link EventQueue}; the optional stopwatch only measures how long
 * the policies take, for the report, and does not change what happens.
 */
public final class Simulator {

    /** Told about each sample as the run goes. */
    public interface Progress {
        /** Sample {@code index} of {@code total} is done. */
        void sample(int index, int total, Sample sample);
    }

    private final SimConfig config;
    private final List<SimHost> hosts;
    private final List<SimVm> vms;
    private final Map<String, SimHost> hostByName = new HashMap<>();
    private final Map<String, SimVm> vmByName = new HashMap<>();
    private final EventQueue events = new EventQueue();
    private final EnergyMeter meter;
    private final Consolidation consolidation;
    private final LoadBalancing loadBalancing;
    private final MigrationQueue queue;
    private final MigrationModel model;
    private final HostLinks links;
    private final LongSupplier stopwatchNanos;
    private final Progress progress;
    private final int[] incoming;
    private final Map<String, PlanProgress> planOf = new HashMap<>();
    private final List<MigrationRecord> migrations = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private long policyNanos;
    private long migrationNanos;
    private int cancelled;
    private int standbySkipped;
    private int refused;

    /** A plan's standbys, waiting for its moves. */
    private static final class PlanProgress {
        int remaining;
        final List<PowerChange> standby = new ArrayList<>();
    }

    /**
     * A run of {@code vms} (each placed on one of {@code hosts}) under {@code config}.
     *
     * @param stopwatchNanos a monotonic nanosecond clock to time the policies with, or {@code () -> 0}
     * @param progress       told after every sample
     */
    public Simulator(SimConfig config, List<SimHost> hosts, List<SimVm> vms, LongSupplier stopwatchNanos,
            Progress progress) {
        this.config = Objects.requireNonNull(config, "config");
        this.hosts = List.copyOf(hosts);
        this.vms = List.copyOf(vms);
        for (SimHost h : hosts) {
            hostByName.put(h.name(), h);
        }
        for (SimVm v : vms) {
            if (v.host() == null) {
                throw new IllegalArgumentException("VM " + v.name() + " is not placed");
            }
            vmByName.put(v.name(), v);
        }
        this.stopwatchNanos = Objects.requireNonNull(stopwatchNanos, "stopwatchNanos");
        this.progress = Objects.requireNonNull(progress, "progress");
        MigrationTime time = MigrationTime.overLink(config.linkBytesPerSec());
        this.meter = new EnergyMeter(config.power());
        this.consolidation = new Consolidation(config.lower(), config.upper(), config.power(), time);
        this.loadBalancing = config.loadBalancing() == null ? null
                : new LoadBalancing(config.loadBalancing().threshold(), config.loadBalancing().windowMillis(), time);
        this.queue = new MigrationQueue(config.perHost(), config.perLink());
        this.model = new MigrationModel(new MigrationCostModel(config.migration()));
        this.links = new HostLinks(config.linkBytesPerSec(), hosts.size());
        this.incoming = new int[hosts.size()];
    }

    /** Runs the whole duration and gives the figures. */
    public SimResult run() {
        int total = (int) (config.durationMillis() / config.sampleMillis());
        for (int i = 0; i < total; i++) {
            int index = i;
            events.schedule(i * config.sampleMillis(), () -> sample(index, total));
        }
        events.runUntil(config.durationMillis());
        meter.record(snapshot(config.durationMillis()));
        return new SimResult(config, hosts, vms, migrations, samples, meter.kWh(), queue.waiting().size(),
                queue.running().size(), cancelled, refused, standbySkipped, model.computed(),
                events.processed(), policyNanos, migrationNanos);
    }

    private void sample(int index, int total) {
        long now = events.clock().nowMillis();
        for (SimVm v : vms) {
            v.sample(now);
        }
        ClusterSnapshot s = snapshot(now);
        meter.record(s);
        int active = 0;
        int overloaded = 0;
        for (SimHost h : hosts) {
            h.account(config.sampleMillis(), config.power().watts(h.state(), h.utilization()));
            if (h.power() == PowerState.ON) {
                active++;
                if (h.cpuUsed() > h.cores() * (1 + 1e-9)) {
                    overloaded++;
                }
            }
        }
        for (SimVm v : vms) {
            v.account(config.sampleMillis());
        }
        long t0 = stopwatchNanos.getAsLong();
        Plan plan = consolidation.plan(s);
        int planned = carryOut(plan);
        if (loadBalancing != null) {
            Plan balance = loadBalancing.plan(s.after(plan));
            planned += carryOut(balance);
        }
        policyNanos += stopwatchNanos.getAsLong() - t0;
        startMoves();
        Sample sample = new Sample(now, active, overloaded, meter.watts(), planned, queue.running().size(),
                queue.waiting().size());
        samples.add(sample);
        progress.sample(index, total, sample);
    }

    private ClusterSnapshot snapshot(long now) {
        List<HostState> hs = new ArrayList<>(hosts.size());
        for (SimHost h : hosts) {
            hs.add(h.state());
        }
        List<VmState> vs = new ArrayList<>(vms.size());
        for (SimVm v : vms) {
            vs.add(v.state());
        }
        return new ClusterSnapshot(now, hs, vs, TrafficMatrix.EMPTY);
    }

    /** Wakes hosts, queues the moves, and keeps the standbys for when the moves are done; the moves queued. */
    private int carryOut(Plan plan) {
        PlanProgress pp = new PlanProgress();
        for (PowerChange c : plan.power()) {
            if (c.to() == PowerState.ON) {
                host(c.host()).power(PowerState.ON);
            } else {
                pp.standby.add(c);
            }
        }
        int queued = 0;
        for (Move m : plan.moves()) {
            if (queue.offer(m)) {
                queued++;
                pp.remaining++;
                planOf.put(m.vm(), pp);
                incoming[host(m.to()).index()]++;
            } else {
                refused++;
            }
        }
        if (pp.remaining == 0) {
            standby(pp);
        }
        return queued;
    }

    private void startMoves() {
        for (Move m : queue.start()) {
            SimVm vm = vmByName.get(m.vm());
            SimHost from = host(m.from());
            SimHost to = host(m.to());
            if (vm.host() != from || to.power() != PowerState.ON || vm.migrating()) {
                queue.done(m);
                cancelled++;
                finished(m, to);
                continue;
            }
            long t0 = stopwatchNanos.getAsLong();
            double share = links.share(from.index(), to.index());
            MigrationCostModel.Prediction p = model.predict(vm, share);
            migrationNanos += stopwatchNanos.getAsLong() - t0;
            links.open(from.index(), to.index());
            vm.migrating(true);
            long start = events.clock().nowMillis();
            long end = start + Math.max(1, (long) Math.ceil(p.totalSeconds() * 1000));
            double demandAtStart = vm.demand();
            events.schedule(end, () -> {
                links.close(from.index(), to.index());
                vm.migrating(false);
                queue.done(m);
                double downtime = 0;
                if (!p.aborted()) {
                    vm.moveTo(to);
                    downtime = p.downtimeSeconds();
                }
                vm.degraded(config.pdmShare() * demandAtStart * (end - start), downtime);
                migrations.add(new MigrationRecord(m.vm(), m.from(), m.to(), m.reason(), start, end, share,
                        downtime, p.bytes(), p.rounds(), p.outcome(), p.aborted()));
                finished(m, to);
                startMoves();
            });
        }
    }

    /** A queued move ended (done, aborted or cancelled): its plan may put hosts into standby now. */
    private void finished(Move m, SimHost to) {
        incoming[to.index()]--;
        PlanProgress pp = planOf.remove(m.vm());
        if (pp != null && --pp.remaining == 0) {
            standby(pp);
        }
    }

    private void standby(PlanProgress pp) {
        for (PowerChange c : pp.standby) {
            SimHost h = host(c.host());
            if (h.vmCount() == 0 && incoming[h.index()] == 0) {
                h.power(PowerState.STANDBY);
            } else {
                standbySkipped++;
            }
        }
    }

    private SimHost host(String name) {
        SimHost h = hostByName.get(name);
        if (h == null) {
            throw new IllegalStateException("a plan names unknown host " + name);
        }
        return h;
    }
}
