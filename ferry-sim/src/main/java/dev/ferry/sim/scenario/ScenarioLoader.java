package dev.ferry.sim.scenario;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.cluster.energy.LinearPowerModel;
import dev.ferry.host.api.Quantities;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import dev.ferry.sim.model.PlanetLabTraces;
import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import dev.ferry.sim.model.SyntheticTraces;
import dev.ferry.sim.model.UtilisationTrace;
import dev.ferry.sim.run.SimConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Reads a scenario file and builds its run: hosts, VMs with their traces, and their first placement. Every random
 * draw comes from one {@link SplittableRandom} seeded by the scenario, VM by VM in order, so a seed gives the same
 * data centre every time. The first placement spreads VMs: VM {@code i} goes to the first host from
 * {@code i mod hosts} on with its RAM free and room for its first demand, leaving packing to consolidation.
 */
public final class ScenarioLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ScenarioLoader() {
    }

    /** Reads {@code file}. */
    public static Scenario read(Path file) {
        try {
            return YAML.readValue(file.toFile(), Scenario.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scenario " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builds the run of {@code s}; PlanetLab directories are taken relative to {@code baseDir}. */
    public static SimSetup build(Scenario s, Path baseDir) {
        require(s.hosts() != null && s.vms() != null && s.policy() != null, "a scenario needs hosts, vms and policy");
        long duration = millis(s.duration() == null ? "24h" : s.duration());
        long sample = millis(s.sample() == null ? "5m" : s.sample());
        Scenario.Hosts hs = s.hosts();
        require(hs.count() > 0 && hs.power() != null && hs.memory() != null, "hosts need count, memory and power");
        LinearPowerModel power = new LinearPowerModel(hs.power().idle(), hs.power().max(), hs.power().standby());
        double link = Quantities.parseBitsPerSecond(hs.link() == null ? "10G" : hs.link()) / 8.0;
        long hostMemory = Quantities.parseBytes(hs.memory());
        List<SimHost> hosts = new ArrayList<>(hs.count());
        for (int i = 0; i < hs.count(); i++) {
            hosts.add(new SimHost(i, "h" + i, hs.cores(), hostMemory));
        }

        Scenario.Policy p = s.policy();
        require(p.consolidation() != null, "policy needs consolidation thresholds");
        SimConfig.LoadBalancingConfig lb = p.loadBalancing() == null ? null
                : new SimConfig.LoadBalancingConfig(p.loadBalancing().threshold(),
                        millis(p.loadBalancing().window() == null ? "15m" : p.loadBalancing().window()));
        Scenario.Migrations m = p.migrations() == null ? new Scenario.Migrations(null, null, null) : p.migrations();
        Strategy strategy = Strategy.valueOf((m.strategy() == null ? "precopy" : m.strategy())
                .toUpperCase(Locale.ROOT));
        SimConfig config = new SimConfig(duration, sample, power, link, p.consolidation().lower(),
                p.consolidation().upper(), lb, m.perHost() == null ? 2 : m.perHost(),
                m.perLink() == null ? 1 : m.perLink(), MigrationOptions.defaults(strategy),
                p.pdmShare() == null ? 0.1 : p.pdmShare());

        List<SimVm> vms = vms(s, baseDir, sample, (int) (duration / sample) + 1);
        place(vms, hosts);
        return new SimSetup(s.name() == null ? "scenario" : s.name(), s.seed(), config, hosts, vms);
    }

    private static List<SimVm> vms(Scenario s, Path baseDir, long sample, int samples) {
        Scenario.Vms v = s.vms();
        require(v.count() > 0 && v.memory() != null && !v.memory().isEmpty() && v.trace() != null,
                "vms need count, memory choices and a trace");
        require(v.workingSet() >= 0 && v.workingSet() <= 1, "vms.workingSet is a share of RAM, 0..1");
        long[] memory = v.memory().stream().mapToLong(Quantities::parseBytes).toArray();
        double[] dirty = v.dirtyPagesPerSec() == null || v.dirtyPagesPerSec().isEmpty() ? new double[] {0}
                : v.dirtyPagesPerSec().stream().mapToDouble(Double::doubleValue).toArray();
        Scenario.Trace t = v.trace();
        require((t.synthetic() == null) != (t.planetlab() == null), "vms.trace needs synthetic or planetlab");
        SyntheticTraces synthetic = t.synthetic() == null ? null : new SyntheticTraces(t.synthetic().mean(),
                t.synthetic().stddev(), t.synthetic().dailyAmplitude(), t.synthetic().noise());
        PlanetLabTraces planetlab = t.planetlab() == null ? null : PlanetLabTraces.read(baseDir.resolve(t.planetlab()));
        SplittableRandom random = new SplittableRandom(s.seed());
        double vcpus = v.vcpus() > 0 ? v.vcpus() : 1;
        List<SimVm> vms = new ArrayList<>(v.count());
        for (int i = 0; i < v.count(); i++) {
            long mem = memory[random.nextInt(memory.length)];
            double rate = dirty[random.nextInt(dirty.length)];
            UtilisationTrace trace = synthetic != null ? synthetic.generate(random.split(), samples, sample)
                    : planetlab.trace(i, samples, sample);
            long wss = (long) (mem * v.workingSet());
            vms.add(new SimVm(i, "vm" + i, vcpus, mem, wss, rate, trace));
        }
        return vms;
    }

    /** Spreads the VMs: each from host {@code i mod n} on, the first with its RAM free and room for its demand. */
    static void place(List<SimVm> vms, List<SimHost> hosts) {
        int n = hosts.size();
        for (SimVm vm : vms) {
            vm.sample(0);
            boolean placed = false;
            for (int k = 0; k < n && !placed; k++) {
                SimHost h = hosts.get((vm.index() + k) % n);
                if (h.memoryUsed() + vm.memoryBytes() <= h.memoryBytes() && h.cpuUsed() + vm.demand() <= h.cores()) {
                    vm.placeOn(h);
                    placed = true;
                }
            }
            require(placed, "VM " + vm.name() + " fits on no host: the scenario has too little capacity");
        }
    }

    /** Milliseconds of {@code 24h}, {@code 5m}, {@code 30s}, {@code 1d} or a plain number of milliseconds. */
    static long millis(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'd' -> 86_400_000L;
            case 'h' -> 3_600_000L;
            case 'm' -> 60_000L;
            case 's' -> 1_000L;
            default -> 1L;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Math.round(Double.parseDouble(digits) * unit);
            require(v > 0, "a time must be positive: " + text);
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a time: " + text + " (say 24h, 5m, 30s)", e);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
