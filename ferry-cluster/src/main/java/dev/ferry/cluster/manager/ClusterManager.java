package dev.ferry.cluster.manager;

import dev.ferry.cluster.api.ClusterViews;
import dev.ferry.cluster.energy.EnergyMeter;
import dev.ferry.cluster.energy.PowerModel;
import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.model.Plan;
import dev.ferry.cluster.model.PowerChange;
import dev.ferry.cluster.model.PowerState;
import dev.ferry.cluster.model.Restart;
import dev.ferry.cluster.model.VmState;
import dev.ferry.cluster.policy.ClusterPolicy;
import dev.ferry.cluster.policy.FailureRecovery;
import dev.ferry.cluster.policy.VmDemand;
import dev.ferry.cluster.schedule.MigrationCostModel;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.HostReport;
import dev.ferry.host.api.LeaseReply;
import dev.ferry.host.api.Quantities;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The cluster manager's mechanism: takes the hosts' reports and gives them leases, declares hosts that stop
 * reporting failed (and fences them when they return), turns the inventory into snapshots for the policies, and
 * carries plans out — migrations through the {@link MoveExecutor}, power changes once a plan's migrations are
 * done — and places and creates new VMs. The decisions are the {@link ClusterPolicies}'.
 */
public final class ClusterManager implements AutoCloseable {

    /** A host's lease: how long a report keeps it alive. */
    public static final long LEASE_MILLIS = 3_000;
    /** A host that has not reported for this long is declared failed. */
    public static final long FAIL_AFTER_MILLIS = 6_000;
    private static final long TICK_MILLIS = 250;

    private final ApiToken token;
    private final ClusterPolicies policies;
    private final PowerModel power;
    private final EnergyMeter energy;
    private final double linkBytesPerSec;
    private final MigrationCostModel cost = new MigrationCostModel(MigrationOptions.defaults(Strategy.PRECOPY));
    private final Consumer<String> log;
    private final Inventory inventory = new Inventory();
    private final MoveExecutor moves;
    private final Map<String, HostApi> apis = new ConcurrentHashMap<>();
    private final List<PendingPower> pendingPower = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private final Thread ticker;
    private volatile boolean closed;
    private volatile long balanceEveryMillis;
    private long lastBalanceMillis;
    private volatile long checkpointEveryMillis;
    private long lastCheckpointMillis;
    private volatile boolean checkpointing;
    private final Map<String, String> checkpoints = new ConcurrentHashMap<>();
    private final AtomicLong checkpointSeq = new AtomicLong();

    /** A power change waiting for the migrations of its plan. */
    private record PendingPower(PowerChange change, List<ClusterMigration> after) {
    }

    /**
     * A manager that calls hosts with {@code token}, decides with {@code policies}, counts the cluster's power and
     * energy with {@code power}, predicts migrations over links of {@code linkBytesPerSec} and logs to {@code log}.
     */
    public ClusterManager(ApiToken token, ClusterPolicies policies, PowerModel power, double linkBytesPerSec,
            Consumer<String> log) {
        this.token = token;
        this.linkBytesPerSec = linkBytesPerSec;
        this.policies = policies;
        this.power = power;
        this.energy = new EnergyMeter(power);
        this.log = log;
        this.moves = new MoveExecutor(this::api, n -> inventory.host(n).map(h -> h.report.controlAddress()),
                this::nowMillis, log, MoveExecutor.DEFAULT_MAX_PER_HOST, MoveExecutor.DEFAULT_MAX_PER_LINK);
        this.ticker = new Thread(this::tick, "cluster-ticker");
        this.ticker.setDaemon(true);
        this.ticker.start();
    }

    long nowMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private Optional<HostApi> api(String host) {
        return inventory.host(host).filter(h -> h.report != null)
                .map(h -> apis.computeIfAbsent(h.report.controlAddress(), a -> new HostApi(a, token)));
    }

    // ---------------------------------------------------------------- hosts

    /** A host's report: renews its lease, or tells it it is fenced. */
    public LeaseReply report(HostReport r) {
        if (r == null || r.name() == null || r.name().isBlank() || r.controlAddress() == null || r.vms() == null
                || !(r.cores() > 0) || r.memoryBytes() <= 0) {
            throw new IllegalArgumentException("a report needs name, control_address, cores, memory_bytes and vms");
        }
        boolean joined = inventory.host(r.name()).map(h -> h.report == null).orElse(true);
        Inventory.Host h;
        boolean fence;
        synchronized (inventory) {
            h = inventory.report(r, nowMillis());
            fence = h.fenceOnReturn;
            if (fence) {
                h.fenceOnReturn = false;
                h.power = PowerState.ON;
            }
        }
        if (joined) {
            log.accept("host " + r.name() + " joined (" + r.controlAddress() + ", " + r.cores() + " cores, "
                    + (r.memoryBytes() >> 20) + " MiB, " + r.vms().size() + " VMs)");
        }
        if (fence) {
            log.accept("host " + r.name() + " is back after being declared failed: fenced (it discards its VMs)");
            return new LeaseReply(LEASE_MILLIS, true, "declared failed by the manager after "
                    + FAIL_AFTER_MILLIS + " ms without a report");
        }
        return new LeaseReply(LEASE_MILLIS, false, null);
    }

    private void tick() {
        while (!closed) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = nowMillis();
            List<String> failed = inventory.expire(now, FAIL_AFTER_MILLIS);
            for (String f : failed) {
                log.accept("host " + f + " stopped reporting: declared failed and fenced");
            }
            if (!failed.isEmpty()) {
                restart(new FailureRecovery(policies.placement()).plan(inventory.snapshot(now)));
            }
            ClusterSnapshot s = inventory.snapshot(now);
            synchronized (energy) {
                energy.record(s);
            }
            applyPendingPower();
            long every = balanceEveryMillis;
            if (every > 0 && now - lastBalanceMillis >= every) {
                lastBalanceMillis = now;
                autoBalance(now);
            }
            long ckpt = checkpointEveryMillis;
            if (ckpt > 0 && now - lastCheckpointMillis >= ckpt && !checkpointing) {
                lastCheckpointMillis = now;
                checkpointing = true;
                ClusterSnapshot s2 = inventory.snapshot(now);
                Thread.ofVirtual().name("cluster-checkpoints").start(() -> checkpointAll(s2));
            }
        }
    }

    /**
     * Runs the load-balancing policy every {@code millis} (0: only when asked), so that it sees each host's load
     * over its window and sheds VMs of hosts that stay overloaded.
     */
    public void balanceEvery(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("the balancing period must not be negative");
        }
        balanceEveryMillis = millis;
    }

    /**
     * Saves a checkpoint of every VM every {@code millis} (0: never): a template made of the briefly paused VM
     * (state, disks, boot files) in the template directory the hosts share, from which a VM of a failed host is
     * resumed elsewhere. The previous checkpoint of a VM is deleted once the new one exists.
     */
    public void checkpointEvery(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("the checkpoint period must not be negative");
        }
        checkpointEveryMillis = millis;
    }

    /** The name of the last checkpoint of {@code vm}, if any. */
    public Optional<String> checkpoint(String vm) {
        return Optional.ofNullable(checkpoints.get(vm));
    }

    private void checkpointAll(ClusterSnapshot s) {
        try {
            for (VmState v : s.vms()) {
                if (closed || moves.moving(v.name()) || s.host(v.host()).map(h -> h.power() != PowerState.ON)
                        .orElse(true)) {
                    continue;
                }
                boolean running = inventory.lastKnown(v.host(), v.name()).map(r -> r.state().equals("running")
                        && r.migration() == null).orElse(false);
                if (running) {
                    checkpointOne(v);
                }
            }
        } finally {
            checkpointing = false;
        }
    }

    private void checkpointOne(VmState v) {
        HostApi host = api(v.host()).orElse(null);
        if (host == null) {
            return;
        }
        String name = "ckpt-" + v.name() + "-" + checkpointSeq.incrementAndGet();
        long t0 = System.nanoTime();
        try {
            host.pause(v.name());
            try {
                host.createTemplate(name, v.name());
            } finally {
                host.resume(v.name());
            }
            String old = checkpoints.put(v.name(), name);
            log.accept(String.format(Locale.ROOT, "checkpoint %s of VM %s on %s: paused %.0f ms", name, v.name(),
                    v.host(), (System.nanoTime() - t0) / 1e6));
            if (old != null) {
                host.deleteTemplate(old);
            }
        } catch (IOException e) {
            log.accept("checkpoint of VM " + v.name() + " on " + v.host() + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void autoBalance(long now) {
        Plan plan;
        synchronized (this) {
            plan = policies.balancing().plan(inventory.snapshot(now));
        }
        if (!plan.moves().isEmpty() && moves.idle()) {
            log.accept("load balancing: " + plan.moves().size() + " move(s)");
            start(plan);
        }
    }

    /**
     * Applies the power changes whose migrations have all ended, once the host has reported since they ended: a
     * host goes to standby only if that report shows it empty.
     */
    private void applyPendingPower() {
        List<PendingPower> ready = new ArrayList<>();
        synchronized (pendingPower) {
            pendingPower.removeIf(p -> {
                if (!p.after().stream().allMatch(ClusterMigration::finished)) {
                    return false;
                }
                long ended = p.after().stream().mapToLong(c -> c.endedAtMillis).max().orElse(0);
                long reported = inventory.host(p.change().host()).map(h -> h.lastReportMillis).orElse(Long.MAX_VALUE);
                if (reported <= ended) {
                    return false;
                }
                ready.add(p);
                return true;
            });
        }
        for (PendingPower p : ready) {
            String host = p.change().host();
            boolean empty = inventory.host(host).map(h -> h.report.vms().isEmpty()).orElse(false);
            if (p.change().to() == PowerState.STANDBY && !empty) {
                log.accept("host " + host + " still has VMs: it stays on");
                continue;
            }
            inventory.power(host, p.change().to());
            log.accept("host " + host + " -> " + p.change().to().name().toLowerCase(Locale.ROOT) + " ("
                    + p.change().reason() + ")");
        }
    }

    /**
     * Starts the VMs of failed hosts again where the plan says: resumed from their last checkpoint, or without one
     * cold-booted from what their host last reported of them (image, RAM, boot arguments).
     */
    private void restart(Plan plan) {
        for (String n : plan.notes()) {
            log.accept(n);
        }
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        for (Restart r : plan.restarts()) {
            String from = s.vm(r.vm()).map(VmState::host).orElse(null);
            HostReport.Vm spec = from == null ? null : inventory.lastKnown(from, r.vm()).orElse(null);
            String ckpt = checkpoints.get(r.vm());
            CreateVmRequest req;
            String how;
            if (ckpt != null) {
                req = new CreateVmRequest(r.vm(), null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, ckpt, Boolean.TRUE);
                how = "resumed from checkpoint " + ckpt;
            } else if (spec != null && spec.image() != null && !spec.image().startsWith("(")) {
                req = new CreateVmRequest(r.vm(), spec.image(), Long.toString(spec.ramBytes()), null, null,
                        spec.bootArgs() == null || spec.bootArgs().isEmpty() ? null : List.of(spec.bootArgs()),
                        null, null, null, null, null, null, null, null, null);
                how = "booted from its image, without a checkpoint";
            } else {
                log.accept("VM " + r.vm() + " cannot be restarted: it has no checkpoint and what it booted is not "
                        + "known");
                continue;
            }
            Thread.ofVirtual().name("cluster-restart-" + r.vm()).start(() -> {
                try {
                    api(r.host()).orElseThrow(() -> new IOException("unknown host " + r.host())).createVm(req);
                    log.accept("VM " + r.vm() + " of failed host " + from + " restarted on " + r.host() + ", " + how
                            + " (" + r.reason() + ")");
                } catch (IOException | RuntimeException e) {
                    log.accept("VM " + r.vm() + " could not be restarted on " + r.host() + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    // ---------------------------------------------------------------- plans

    /** Runs a plan: queues its moves, and its power changes to follow them. */
    private synchronized ClusterViews.PlanStarted start(Plan plan) {
        List<ClusterMigration> started = new ArrayList<>();
        List<String> moveText = new ArrayList<>();
        ClusterSnapshot now = inventory.snapshot(nowMillis());
        for (Move m : plan.moves()) {
            MigrationCostModel.Prediction p = now.vm(m.vm()).map(v -> cost.predict(v, linkBytesPerSec)).orElse(null);
            started.add(moves.submit(m, p));
            moveText.add(m.vm() + ": " + m.from() + " -> " + m.to() + " (" + m.reason() + ")");
        }
        List<String> powerText = new ArrayList<>();
        for (PowerChange p : plan.power()) {
            powerText.add(p.host() + " -> " + p.to().name().toLowerCase(Locale.ROOT) + " (" + p.reason() + ")");
            if (p.to() == PowerState.ON) {
                inventory.power(p.host(), PowerState.ON);
                log.accept("host " + p.host() + " woken up (" + p.reason() + ")");
            } else {
                synchronized (pendingPower) {
                    pendingPower.add(new PendingPower(p, List.copyOf(started)));
                }
            }
        }
        for (String n : plan.notes()) {
            log.accept(n);
        }
        return new ClusterViews.PlanStarted(moveText, powerText, plan.notes(),
                started.stream().map(c -> c.id).toList());
    }

    private ClusterViews.PlanStarted run(ClusterPolicy policy) {
        return start(policy.plan(inventory.snapshot(nowMillis())));
    }

    /** Consolidates: the consolidation policy's plan. */
    public ClusterViews.PlanStarted consolidate() {
        return run(policies.consolidation());
    }

    /** Balances load: the load-balancing policy's plan. */
    public synchronized ClusterViews.PlanStarted balance() {
        return run(policies.balancing());
    }

    /** Co-locates communicating VMs: the task-remapping policy's plan. */
    public ClusterViews.PlanStarted remap() {
        return run(policies.remapping());
    }

    /** Puts a host in maintenance and evacuates its VMs live. */
    public ClusterViews.PlanStarted drain(String host) {
        if (!inventory.maintenance(host, true)) {
            throw new IllegalStateException("no host '" + host + "' in the cluster");
        }
        log.accept("draining host " + host);
        return run(policies.drain().apply(host, policies.placement()));
    }

    /**
     * Moves one VM live to the host an operator chose (the dashboard's "migrate"): a single move through the same
     * queue as the policies' moves.
     */
    public ClusterViews.PlanStarted migrate(String vm, String toHost) {
        if (toHost == null || toHost.isBlank()) {
            throw new IllegalArgumentException("to: give the host to move VM " + vm + " to");
        }
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        var v = s.vm(vm).orElseThrow(() -> new IllegalStateException("no VM '" + vm + "' in the cluster"));
        var h = s.host(toHost).orElseThrow(() -> new IllegalStateException("no host '" + toHost + "' in the cluster"));
        if (v.host().equals(toHost)) {
            throw new IllegalStateException("VM " + vm + " runs on " + toHost + " already");
        }
        if (h.power() == PowerState.FAILED || h.maintenance()) {
            throw new IllegalStateException("host " + toHost + " takes no VMs ("
                    + (h.maintenance() ? "maintenance" : "failed") + ")");
        }
        List<PowerChange> wake = h.power() == PowerState.STANDBY
                ? List.of(new PowerChange(toHost, PowerState.ON, "the operator moves VM " + vm + " there"))
                : List.of();
        log.accept("operator moves VM " + vm + " to " + toHost);
        return start(new Plan(List.of(new Move(vm, v.host(), toHost, "operator")), wake, List.of()));
    }

    /** Takes a host out of maintenance. */
    public void undrain(String host) {
        if (!inventory.maintenance(host, false)) {
            throw new IllegalStateException("no host '" + host + "' in the cluster");
        }
        log.accept("host " + host + " out of maintenance");
    }

    // ---------------------------------------------------------------- VMs

    /** Places a new VM by policy and creates it on the chosen host. */
    public ClusterViews.Placed createVm(CreateVmRequest req) throws IOException, InterruptedException {
        if (req == null || req.name() == null || req.name().isBlank()) {
            throw new IllegalArgumentException("name: give the VM a name");
        }
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        if (s.vm(req.name()).isPresent()) {
            throw new IllegalStateException("a VM named '" + req.name() + "' runs in the cluster already");
        }
        long mem = req.mem() == null ? 64L << 20 : Quantities.parseBytes(req.mem());
        String host = policies.placement().place(new VmDemand(req.name(), mem, 1.0), s).orElseThrow(
                () -> new IllegalStateException("no host has room for VM " + req.name() + " (" + (mem >> 20)
                        + " MiB)"));
        api(host).orElseThrow().createVm(req);
        log.accept("VM " + req.name() + " placed on " + host);
        return new ClusterViews.Placed(req.name(), host);
    }

    // ---------------------------------------------------------------- views

    /** The cluster at a glance. */
    public ClusterViews.Status status() {
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        int on = 0;
        int standby = 0;
        int failed = 0;
        int maintenance = 0;
        for (var h : s.hosts()) {
            switch (h.power()) {
                case ON -> on++;
                case STANDBY -> standby++;
                case FAILED -> failed++;
            }
            if (h.maintenance()) {
                maintenance++;
            }
        }
        int running = 0;
        int queued = 0;
        for (ClusterMigration c : moves.all()) {
            if (c.state == ClusterMigration.State.RUNNING) {
                running++;
            } else if (c.state == ClusterMigration.State.QUEUED) {
                queued++;
            }
        }
        double kwh;
        synchronized (energy) {
            kwh = energy.kWh();
        }
        return new ClusterViews.Status(s.hosts().size(), on, standby, failed, maintenance, s.vms().size(), running,
                queued, power.watts(s), kwh);
    }

    /** Every host. */
    public List<ClusterViews.Host> hosts() {
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        long now = nowMillis();
        List<ClusterViews.Host> list = new ArrayList<>();
        for (Inventory.Host h : inventory.hosts()) {
            if (h.report == null) {
                continue;
            }
            var state = s.host(h.name).orElseThrow();
            list.add(new ClusterViews.Host(h.name, h.report.controlAddress(), state.power().name()
                    .toLowerCase(Locale.ROOT), state.maintenance(), state.cores(), state.memoryBytes(),
                    s.cpuUsed(h.name), s.memoryUsed(h.name), s.vmsOn(h.name).size(), now - h.lastReportMillis));
        }
        return list;
    }

    /** Every VM, where it runs. */
    public List<ClusterViews.Vm> vms() {
        ClusterSnapshot s = inventory.snapshot(nowMillis());
        Map<String, String> moving = new ConcurrentHashMap<>();
        for (ClusterMigration c : moves.all()) {
            if (!c.finished()) {
                moving.put(c.move.vm(), c.id);
            }
        }
        List<ClusterViews.Vm> list = new ArrayList<>();
        for (var v : s.vms()) {
            HostReport.Vm r = inventory.host(v.host()).map(h -> h.report.vms().stream()
                    .filter(x -> x.name().equals(v.name())).findFirst().orElse(null)).orElse(null);
            list.add(new ClusterViews.Vm(v.name(), v.host(), r == null ? "unknown" : r.state(), v.memoryBytes(),
                    v.touchedBytes(), v.cpuDemand(), r == null ? null : r.dirtyPagesPerS(), moving.get(v.name())));
        }
        return list;
    }

    /** Every migration the manager ran, oldest first. */
    public List<ClusterViews.Migration> migrations() {
        List<ClusterViews.Migration> list = new ArrayList<>();
        for (ClusterMigration c : moves.all()) {
            var v = c.last;
            var rep = v == null ? null : v.report();
            list.add(new ClusterViews.Migration(c.id, c.move.vm(), c.move.from(), c.move.to(), c.move.reason(),
                    c.state.name().toLowerCase(Locale.ROOT), c.hostMigrationId, v == null ? null : v.phase(),
                    v == null ? 0 : v.round(), v == null ? 0 : v.remainingPages(),
                    c.predicted == null ? null : c.predicted.totalSeconds() * 1000,
                    c.predicted == null ? null : c.predicted.downtimeSeconds() * 1000,
                    rep == null ? null : rep.downtimeMs(), rep == null ? null : rep.totalTimeMs(), c.error));
        }
        return list;
    }

    /** True when no migration is queued or running. */
    public boolean idle() {
        return moves.idle();
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
        moves.close();
    }
}
