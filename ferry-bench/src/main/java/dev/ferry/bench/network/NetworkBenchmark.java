package dev.ferry.bench.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.FerryHost;
import dev.ferry.host.migration.OutgoingMigration;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry bench network}: a web server that keeps serving while it migrates, measured by real clients, after
 * Clark et al.'s web-server experiment. Two hosts in this JVM, A and B, their switches linked over VXLAN on
 * loopback; A's TAP uplink is moved into a network namespace of the benchmark's own (10.77.0.1/24), where
 * Debian's {@code wrk} keeps {@code --connections} connections busy against the {@code web} image's httpd on a VM at
 * 10.77.0.10, and {@code ping -i 0.005} runs beside it. A few seconds into each run the VM migrates to the other
 * host through the control API. Prints the responses per 100 ms with the migration's start, pause, resume and end,
 * the longest time without a response (wrk) and without a reply (ping), and the migration report's downtime, total
 * time and announcement time. Root only (TAP device, namespace).
 */
@Command(name = "network", mixinStandardHelpOptions = true,
        description = "A web VM under wrk load migrates between two hosts linked over VXLAN: requests per 100 ms, "
                + "client-perceived gap (wrk and ping), downtime. Root only.")
public final class NetworkBenchmark implements Callable<Integer> {

    private static final String CLIENT_ADDRESS = "10.77.0.1/24";
    private static final String VM_ADDRESS = "10.77.0.10";
    private static final String VM = "web";
    private static final String READY = "ferry-web ready";
    private static final long BIN_MS = 100;
    private static final int VNI = 77;

    @Spec
    private CommandSpec spec;

    @Option(names = "--strategy", description = "precopy, postcopy or both (default: ${DEFAULT-VALUE}).")
    private String strategy = "both";

    @Option(names = "--connections", description = "wrk's open connections (default: ${DEFAULT-VALUE}).")
    private int connections = 100;

    @Option(names = "--duration", paramLabel = "S", description = "Seconds each measured run lasts (default: "
            + "${DEFAULT-VALUE}).")
    private int duration = 15;

    @Option(names = "--migrate-after", paramLabel = "S", description = "Seconds into a run the migration starts "
            + "(default: ${DEFAULT-VALUE}).")
    private int migrateAfter = 5;

    @Option(names = "--repeat", description = "Runs per strategy (default: ${DEFAULT-VALUE}).")
    private int repeat = 1;

    @Option(names = "--warmup", paramLabel = "S", description = "Seconds of load before the first measured run, "
            + "not reported beyond its rate (default: ${DEFAULT-VALUE}).")
    private int warmup = 5;

    @Option(names = "--mem", description = "RAM of the web VM (default: ${DEFAULT-VALUE}).")
    private String mem = "256M";

    @Option(names = "--boot-timeout", paramLabel = "S", description = "Seconds the VM may take to say it serves "
            + "(default: ${DEFAULT-VALUE}).")
    private int bootTimeout = 600;

    @Option(names = "--migration-timeout", paramLabel = "S", description = "Seconds a migration may take before "
            + "the run fails (default: ${DEFAULT-VALUE}).")
    private int migrationTimeout = 120;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write each run's series (responses per 100 ms) "
            + "as CSV into DIR, and keep wrk's and ping's output there.")
    private Path out;

    @Option(names = "--plot", negatable = true, description = "Print each run's table of responses per 100 ms "
            + "(default: ${DEFAULT-VALUE}).")
    private boolean plot = true;

    @Override
    public Integer call() throws Exception {
        List<String> strategies = strategies();
        check();
        PrintStream o = System.out;
        long pid = ProcessHandle.current().pid();
        String tap = "fbnet" + pid % 100_000;
        Path scratch = Files.createTempDirectory("ferry-bench-network-");
        Path script = scratch.resolve("timeline.lua");
        try (InputStream in = NetworkBenchmark.class.getResourceAsStream("timeline.lua")) {
            if (in == null) {
                throw new IOException("timeline.lua is missing from the class path");
            }
            Files.copy(in, script);
        }
        if (out != null) {
            Files.createDirectories(out);
        }
        o.printf("ferry bench network, %s, %d cores: web VM (%s) at %s, wrk -t%d -c%d -d%ds from a network namespace "
                + "through host A's TAP uplink, ping -i 0.005 beside it; hosts A and B in this JVM (pid %d), "
                + "switches linked over VXLAN on 127.0.0.1; migration %d s into each run%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(), mem,
                VM_ADDRESS, Math.min(2, connections), connections, duration, pid, migrateAfter);
        List<RunResult> results = new ArrayList<>();
        HostPair hosts = null;
        boolean ok = false;
        try {
            hosts = HostPair.start(tap, VNI);
            try (ClientNamespace ns = ClientNamespace.create("ferry-bench-net-" + pid, tap, CLIENT_ADDRESS)) {
                FerryHost at = hosts.a();
                boot(hosts, o);
                if (warmup > 0) {
                    ClientLoad.Result w = ClientLoad.start(ns, script, VM_ADDRESS, connections, warmup, scratch,
                            "warmup").await();
                    o.printf(Locale.ROOT, "warm-up: %d responses in %d s (%.0f/s)%n", w.timeline().total(), warmup,
                            w.timeline().total() / (double) warmup);
                }
                for (int r = 0; r < repeat; r++) {
                    for (String s : strategies) {
                        RunResult result = run(hosts, ns, script, scratch, at, s, results.size() + 1, o);
                        results.add(result);
                        if (result.success()) {
                            at = hosts.other(at);
                        }
                    }
                }
                summary(o, results);
                o.println(switchDrops(hosts, hosts.a()));
                o.println(switchDrops(hosts, hosts.b()));
                ok = results.stream().allMatch(RunResult::success);
            }
        } catch (IOException e) {
            System.err.println("ferry bench network: " + e.getMessage());
            if (hosts != null) {
                List<String> log = hosts.log();
                System.err.println("last host log lines:");
                log.subList(Math.max(0, log.size() - 15), log.size()).forEach(l -> System.err.println("  " + l));
            }
            return 1;
        } finally {
            if (hosts != null) {
                hosts.close();
            }
            deleteScratch(scratch);
        }
        return ok ? 0 : 1;
    }

    private List<String> strategies() {
        return switch (strategy) {
            case "both" -> List.of("precopy", "postcopy");
            case "precopy", "postcopy" -> List.of(strategy);
            default -> throw new ParameterException(spec.commandLine(),
                    "--strategy must be precopy, postcopy or both, not " + strategy);
        };
    }

    /** The options, root, and the client programs; a problem is a parameter error with what to do. */
    private void check() {
        if (connections < 1 || connections > 10_000 || duration < 2 || repeat < 1 || warmup < 0
                || migrateAfter < 1 || migrateAfter >= duration) {
            throw new ParameterException(spec.commandLine(), "--connections must be 1..10000, --duration at least 2, "
                    + "--repeat at least 1, --warmup at least 0, and --migrate-after between 1 and --duration - 1");
        }
        if (!"root".equals(System.getProperty("user.name")) && !isUidZero()) {
            throw new ParameterException(spec.commandLine(), "ferry bench network needs root: it creates a TAP "
                    + "device and a network namespace (run it with sudo)");
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            throw new ParameterException(spec.commandLine(), "/dev/net/tun is missing: no TAP devices here");
        }
        for (String tool : List.of("wrk", "ping", "ip")) {
            if (!onPath(tool)) {
                throw new ParameterException(spec.commandLine(), tool + " is not installed (apt-get install "
                        + switch (tool) {
                            case "ping" -> "iputils-ping";
                            case "ip" -> "iproute2";
                            default -> tool;
                        } + ")");
            }
        }
        if (GuestImages.ofInstallation().linux().isEmpty()) {
            throw new ParameterException(spec.commandLine(), "the Linux guest is not built (guests/build/linux); "
                    + "'./ferry bench network' builds it");
        }
    }

    private static boolean isUidZero() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The machine's load averages over 1, 5 and 15 minutes, as {@code /proc/loadavg} says. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    /** Boots the web VM on A and waits until it says it serves. */
    private void boot(HostPair hosts, PrintStream o) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", VM);
        body.put("image", GuestImages.WEB);
        body.put("mem", mem);
        body.put("ip", VM_ADDRESS + "/24");
        hosts.post(hosts.a(), "/v1/vms", body);
        long deadline = t0 + TimeUnit.SECONDS.toNanos(bootTimeout);
        while (!hosts.text(hosts.a(), "/v1/vms/" + VM + "/console?offset=0&max=1048576").contains(READY)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the web VM did not print '" + READY + "' within " + bootTimeout + " s");
            }
            Thread.sleep(200);
        }
        o.printf(Locale.ROOT, "web VM booted on A and serving after %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** One measured run: load for {@code --duration} s, the VM migrating from {@code from} to the other host. */
    private RunResult run(HostPair hosts, ClientNamespace ns, Path script, Path scratch, FerryHost from,
            String strat, int number, PrintStream o) throws IOException, InterruptedException {
        FerryHost to = hosts.other(from);
        ClientLoad load = ClientLoad.start(ns, script, VM_ADDRESS, connections, duration, out != null ? out : scratch,
                String.format(Locale.ROOT, "network-%d-%s", number, strat));
        JsonNode done;
        long startNanos;
        long seenDoneNanos;
        AtomicLong resumedNanos = new AtomicLong();
        try {
            Thread.sleep(TimeUnit.SECONDS.toMillis(migrateAfter));
            startNanos = System.nanoTime();
            String id = hosts.post(from, "/v1/vms/" + VM + "/migrate",
                    Map.of("to", HostPair.control(to), "strategy", strat)).path("id").asText();
            OutgoingMigration m = from.migration(id);
            m.runningOnTarget().whenComplete((v, e) -> {
                if (e == null) {
                    resumedNanos.set(System.nanoTime());
                }
            });
            done = awaitDone(hosts, from, id);
            seenDoneNanos = System.nanoTime();
        } catch (IOException | InterruptedException | RuntimeException e) {
            load.kill();
            throw e;
        }
        ClientLoad.Result clients = load.await();
        RunResult result = RunResult.of(number, strat, from.name(), to.name(), load.startNanos(), startNanos,
                resumedNanos.get(), seenDoneNanos, done.path("report"), clients, duration);
        result.print(o, plot, BIN_MS);
        o.println("  load average at the end of the run: " + loadAverage());
        if (out != null) {
            Path csv = out.resolve(String.format(Locale.ROOT, "network-%d-%s.csv", number, strat));
            Files.write(csv, result.csv(BIN_MS));
            o.println("  series written to " + csv + " (wrk's and ping's output beside it)");
        }
        return result;
    }

    private JsonNode awaitDone(HostPair hosts, FerryHost from, String id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(migrationTimeout);
        while (true) {
            JsonNode m = hosts.get(from, "/v1/migrations/" + id);
            if (m.path("done").asBoolean()) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("migration " + id + " did not end within " + migrationTimeout + " s (phase "
                        + m.path("phase").asText() + ")");
            }
            Thread.sleep(10);
        }
    }

    private static void summary(PrintStream o, List<RunResult> results) {
        o.println();
        o.println("Longest gaps in ms: across the migration (overlapping the time from the VM's pause to the report) / "
                + "anywhere in the run.");
        o.println("| run | strategy | move | responses | before /s | after /s | wrk gap | wrk gap, any | ping gap "
                + "| ping gap, any | ping lost | downtime ms | total ms | announced ms |");
        o.println("|----:|----------|------|----------:|----------:|---------:|--------:|-------------:|---------:"
                + "|--------------:|----------:|------------:|---------:|-------------:|");
        for (RunResult r : results) {
            o.println(r.summaryRow());
        }
    }

    /** What {@code host}'s switch and VXLAN endpoint dropped since the host started, as one line. */
    private static String switchDrops(HostPair hosts, FerryHost host) throws IOException, InterruptedException {
        JsonNode net = hosts.get(host, "/v1/network");
        long spoofed = 0;
        long limited = 0;
        long malformed = 0;
        long noRoute = 0;
        for (JsonNode p : net.path("ports")) {
            spoofed += p.path("dropped_spoofed").asLong();
            limited += p.path("dropped_rate_limited").asLong();
            malformed += p.path("dropped_malformed").asLong();
            noRoute += p.path("dropped_no_route").asLong();
        }
        JsonNode v = net.path("vxlan");
        return String.format(Locale.ROOT, "host %s's switch dropped: %d rate-limited, %d spoofed, %d malformed, %d "
                + "without route; VXLAN: %d received, %d send failures, %d from non-peers", host.name(), limited,
                spoofed, malformed, noRoute, v.path("received").asLong(), v.path("send_failures").asLong(),
                v.path("dropped_non_peer").asLong());
    }

    private static void deleteScratch(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException kept) {
            // a temporary directory stays behind
        }
    }
}
