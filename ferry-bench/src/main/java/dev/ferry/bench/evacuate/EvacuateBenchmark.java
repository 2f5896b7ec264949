package dev.ferry.bench.evacuate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.measure.Distribution;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry bench evacuate}: empties a host. Two {@code ferry host} daemons on loopback; the first boots
 * {@code --vms} idle VMs, then all of them are asked to migrate to the second at once, as an operator draining a
 * host would. Reports how long the whole evacuation took and the downtime of each VM (median, 95th percentile,
 * maximum). {@code --max-outgoing} and {@code --max-incoming} are the hosts' admission limits; a run with limits at
 * least {@code --vms} starts every migration at once, as hosts without admission control did.
 */
@Command(name = "evacuate", mixinStandardHelpOptions = true,
        description = "Migrate every VM of a host to another at once: total time, and downtime per VM.")
public final class EvacuateBenchmark implements Callable<Integer> {

    private static final Pattern TOUCH = Pattern.compile("(?:^|\\s)touch=(\\d+)([KMG]?)(?:\\s|$)");

    @Spec
    private CommandSpec spec;

    @Option(names = "--vms", description = "VMs to evacuate (default: ${DEFAULT-VALUE}).")
    private int vms = 20;

    @Option(names = "--mem", description = "RAM of each VM (default: ${DEFAULT-VALUE}).")
    private String mem = "32M";

    @Option(names = "--args", description = "Boot arguments of each idle VM (default: ${DEFAULT-VALUE}).")
    private String args = "touch=16M sleep=0";

    @Option(names = "--strategy", description = "Migration strategy (default: ${DEFAULT-VALUE}).")
    private String strategy = "precopy";

    @Option(names = "--max-outgoing", description = "Admission limit of the source host (default: ${DEFAULT-VALUE}, "
            + "as 'ferry host').")
    private int maxOutgoing = 2;

    @Option(names = "--max-incoming", description = "Admission limit of the target host (default: ${DEFAULT-VALUE}, "
            + "as 'ferry host').")
    private int maxIncoming = 2;

    @Option(names = "--switchover-timeout", paramLabel = "MS", description = "Switchover deadline of each migration "
            + "(default: automatic).")
    private Long switchoverTimeoutMs;

    @Option(names = "--timeout", description = "Seconds the whole evacuation may take (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds = 600;

    @Option(names = "--each", description = "Also print one row per VM.")
    private boolean each;

    /** From the first migrate request until the last migration ended. */
    private double elapsedMs;

    @Override
    public Integer call() throws Exception {
        if (vms < 1 || vms > 1000 || maxOutgoing < 1 || maxIncoming < 1) {
            throw new ParameterException(spec.commandLine(), "--vms must be 1..1000 and the limits at least 1");
        }
        long touched = touched(args);
        PrintStream out = System.out;
        Path dir = Files.createTempDirectory("ferry-bench-evacuate-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path secret = dir.resolve("secret");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(secret, HexFormat.of().formatHex(key) + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        List<String> options = List.of("--max-outgoing", Integer.toString(maxOutgoing), "--max-incoming",
                Integer.toString(maxIncoming));
        Path token = dir.resolve("token");
        try (HostDaemon a = HostDaemon.start("A", secret, token, options);
                HostDaemon b = HostDaemon.start("B", secret, token, options)) {
            out.printf("ferry bench evacuate, %s, %d cores: %d idle VMs (%s, %s) from host A (pid %d) to host B "
                    + "(pid %d), %s, --max-outgoing %d --max-incoming %d%s%n",
                    Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(), vms,
                    mem, args, a.pid(), b.pid(), strategy, maxOutgoing, maxIncoming,
                    switchoverTimeoutMs == null ? "" : " --switchover-timeout " + switchoverTimeoutMs);
            boot(a, touched);
            Map<String, JsonNode> done = evacuate(a, b);
            report(out, done);
            Files.deleteIfExists(secret);
            Files.deleteIfExists(token);
            Files.deleteIfExists(dir);
            return done.values().stream().allMatch(m -> m.path("report").path("success").asBoolean()) ? 0 : 1;
        }
    }

    private void boot(HostDaemon a, long touched) throws IOException, InterruptedException {
        for (int i = 0; i < vms; i++) {
            a.post("/v1/vms", Map.of("name", vm(i), "image", "idle", "mem", mem, "args", List.of(args.split("\\s+"))));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < vms; i++) {
            while (a.get("/v1/vms/" + vm(i)).path("memory_used_bytes").asLong() < touched) {
                if (System.nanoTime() > until) {
                    throw new IOException(vm(i) + " did not touch its memory within 120 s");
                }
                Thread.sleep(20);
            }
        }
    }

    /** Starts every migration at once and waits until all ended; returns their final views by VM. */
    private Map<String, JsonNode> evacuate(HostDaemon a, HostDaemon b) throws IOException, InterruptedException {
        Map<String, String> ids = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < vms; i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("to", b.control());
            body.put("strategy", strategy);
            if (switchoverTimeoutMs != null) {
                body.put("switchover_timeout_ms", switchoverTimeoutMs);
            }
            ids.put(vm(i), a.post("/v1/vms/" + vm(i) + "/migrate", body).path("id").asText());
        }
        long until = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Map<String, JsonNode> done = new LinkedHashMap<>();
        while (done.size() < vms) {
            if (System.nanoTime() > until) {
                throw new IOException("the evacuation did not end within " + timeoutSeconds + " s");
            }
            for (JsonNode m : a.get("/v1/migrations").path("migrations")) {
                if (m.path("done").asBoolean() && ids.containsValue(m.path("id").asText())) {
                    done.putIfAbsent(m.path("vm").asText(), m);
                }
            }
            Thread.sleep(20);
        }
        elapsedMs = (System.nanoTime() - t0) / 1e6;
        return done;
    }

    private void report(PrintStream out, Map<String, JsonNode> done) {
        List<Double> downtimes = new ArrayList<>();
        int failed = 0;
        if (each) {
            out.println("| VM | outcome | total ms | downtime ms | note |");
            out.println("|----|---------|---------:|------------:|------|");
        }
        for (Map.Entry<String, JsonNode> e : done.entrySet()) {
            JsonNode r = e.getValue().path("report");
            boolean ok = r.path("success").asBoolean();
            failed += ok ? 0 : 1;
            if (ok) {
                downtimes.add(r.path("downtime_ms").asDouble());
            }
            if (each) {
                out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %s |%n", e.getKey(), r.path("outcome").asText(),
                        r.path("total_time_ms").asDouble(), r.path("downtime_ms").asDouble(),
                        r.path("error").asText(""));
            }
        }
        Distribution d = Distribution.of(downtimes.stream().mapToDouble(Double::doubleValue));
        out.printf(Locale.ROOT, "evacuated %d of %d VMs in %.1f s; downtime median %.1f ms, p95 %.1f ms, max %.1f ms"
                + "%s%n", vms - failed, vms, elapsedMs / 1000, d.median(), d.p95(), d.max(),
                failed == 0 ? "" : "; " + failed + " failed (the VM stayed on A)");
    }

    private static String vm(int i) {
        return "e" + (i + 1);
    }

    /** The bytes an idle guest's {@code touch=SIZE} writes (0 without it), to wait until the VMs settled. */
    private static long touched(String args) {
        Matcher m = TOUCH.matcher(args);
        if (!m.find()) {
            return 0;
        }
        long unit = switch (m.group(2)) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(m.group(1)) * unit;
    }
}
