package dev.ferry.host.membership;

import dev.ferry.host.FerryHost;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.HostReport;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.LeaseReply;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.net.switching.SwitchSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A host's membership in a cluster: every interval it reports itself to the manager ({@link HostReport}) and so
 * renews its lease. A host that cannot renew its lease in time pauses its running VMs (the manager may restart
 * them elsewhere once the lease has lapsed) and resumes them if it renews before the manager declared it failed;
 * a host the manager calls fenced discards its VMs, which run elsewhere by then. Either way no VM runs twice.
 */
public final class ClusterMembership implements AutoCloseable {

    /** How often a host reports by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration DIRTY_SAMPLE = Duration.ofMillis(50);

    private final FerryHost host;
    private final URI reports;
    private final ApiToken token;
    private final double cores;
    private final long memoryBytes;
    private final Duration interval;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, long[]> cpuSamples = new HashMap<>();
    private final Set<String> pausedForLease = new HashSet<>();
    private final Thread thread;
    private volatile boolean closed;
    private long sequence;
    private long leaseUntilNanos;
    private boolean leaseLost;

    private ClusterMembership(FerryHost host, InetSocketAddress manager, ApiToken token, double cores,
            long memoryBytes, Duration interval) {
        this.host = host;
        this.reports = URI.create("http://" + HostAddress.format(manager) + "/v1/hosts/report");
        this.token = token;
        this.cores = cores;
        this.memoryBytes = memoryBytes;
        this.interval = interval;
        this.thread = new Thread(this::run, "cluster-member-" + host.name());
        this.thread.setDaemon(true);
    }

    /**
     * Joins the cluster of the manager at {@code manager} (its API token is {@code token}), offering {@code cores}
     * and {@code memoryBytes}, reporting every {@code interval}.
     */
    public static ClusterMembership join(FerryHost host, InetSocketAddress manager, ApiToken token, double cores,
            long memoryBytes, Duration interval) {
        ClusterMembership m = new ClusterMembership(host, manager, token, cores, memoryBytes, interval);
        m.thread.start();
        return m;
    }

    private void run() {
        leaseUntilNanos = System.nanoTime() + interval.toNanos() * 5;
        while (!closed) {
            long t0 = System.nanoTime();
            try {
                LeaseReply reply = send(report());
                if (reply.fenced()) {
                    fence(reply.message());
                } else {
                    leaseUntilNanos = System.nanoTime() + Math.max(1, reply.leaseMs()) * 1_000_000L;
                    if (leaseLost) {
                        leaseLost = false;
                        resumeAfterLease();
                    }
                }
            } catch (IOException e) {
                if (!leaseLost && System.nanoTime() > leaseUntilNanos) {
                    leaseLost = true;
                    pauseForLease(e.getMessage());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                host.log("cluster report failed: " + e);
            }
            long sleep = interval.toMillis() - (System.nanoTime() - t0) / 1_000_000;
            try {
                Thread.sleep(Math.max(10, sleep));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private LeaseReply send(HostReport report) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(reports).timeout(Duration.ofSeconds(2))
                .header("Authorization", token.authorization()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(report))).build();
        HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() != 200) {
            throw new IOException("the manager answered " + res.statusCode());
        }
        return Json.tolerant().readValue(res.body(), LeaseReply.class);
    }

    /** This host's report now. */
    HostReport report() throws InterruptedException {
        List<HostReport.Vm> vms = new ArrayList<>();
        Map<String, String> macs = new HashMap<>();
        long now = System.nanoTime();
        Set<String> seen = new HashSet<>();
        for (HostedVm vm : host.vms().all()) {
            VmRunner r = vm.runner();
            seen.add(vm.name());
            long cpu = r.cpuNanos();
            long[] last = cpuSamples.put(vm.name(), new long[] {cpu, now});
            double busy = last == null || now == last[1] ? 0 : Math.min(1, Math.max(0,
                    (double) (cpu - last[0]) / (now - last[1])));
            Double dirty = null;
            if (r.state() == VmRunner.RunState.RUNNING) {
                OptionalDouble d = vm.sampleDirtyRate(DIRTY_SAMPLE);
                dirty = d.isPresent() ? d.getAsDouble() : null;
            }
            List<String> own = new ArrayList<>();
            for (NicConfig n : r.machine().config().nics()) {
                String mac = n.mac().toLowerCase(Locale.ROOT);
                macs.put(mac, vm.name());
                own.add(mac);
            }
            vms.add(new HostReport.Vm(vm.name(), r.state().name().toLowerCase(Locale.ROOT),
                    r.machine().config().ramSize(), vm.memoryUsedBytes(), busy, dirty, vm.migrationId(), vm.image(),
                    r.machine().config().bootArgs(), own));
        }
        cpuSamples.keySet().retainAll(seen);
        List<HostReport.Traffic> traffic = new ArrayList<>();
        for (SwitchSnapshot.PairTraffic p : host.network().snapshot().traffic()) {
            String from = p.source().toString();
            String to = p.destination().toString();
            traffic.add(new HostReport.Traffic(macs.getOrDefault(from, from), macs.getOrDefault(to, to), p.bytes()));
        }
        return new HostReport(host.name(), HostAddress.format(host.controlAddress()), cores, memoryBytes, vms,
                traffic, ++sequence);
    }

    private void pauseForLease(String why) {
        for (HostedVm vm : host.vms().all()) {
            if (vm.runner().state() == VmRunner.RunState.RUNNING && vm.migrationId() == null) {
                try {
                    vm.pause();
                    pausedForLease.add(vm.name());
                } catch (RuntimeException e) {
                    host.log("could not pause VM " + vm.name() + ": " + e.getMessage());
                }
            }
        }
        host.log("cluster lease lost (" + why + "): paused " + pausedForLease.size() + " VM(s) until the manager "
                + "answers again");
    }

    private void resumeAfterLease() {
        for (String name : pausedForLease) {
            host.vms().get(name).ifPresent(vm -> {
                try {
                    vm.resume();
                } catch (RuntimeException e) {
                    host.log("could not resume VM " + name + ": " + e.getMessage());
                }
            });
        }
        host.log("cluster lease renewed: resumed " + pausedForLease.size() + " VM(s)");
        pausedForLease.clear();
    }

    /** The manager declared this host failed: its VMs run elsewhere, so the ones here are discarded. */
    private void fence(String message) {
        List<HostedVm> all = host.vms().all();
        for (HostedVm vm : all) {
            try {
                host.stopVm(vm.name());
            } catch (RuntimeException e) {
                host.log("could not discard VM " + vm.name() + ": " + e.getMessage());
            }
        }
        pausedForLease.clear();
        leaseLost = false;
        if (!all.isEmpty()) {
            host.log("fenced by the cluster manager" + (message == null ? "" : " (" + message + ")") + ": discarded "
                    + all.size() + " VM(s) that run elsewhere now");
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
