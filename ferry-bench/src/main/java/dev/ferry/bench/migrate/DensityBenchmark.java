package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.measure.GcPauses;
import dev.ferry.bench.measure.ResidentMemory;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry bench density}: one host JVM runs several VMs; the benchmark reports the JVM's resident memory once
 * they settled, then migrates VMs to a second host JVM and reports the GC pauses of both hosts during each
 * migration. Both hosts are child JVMs ({@link ChildHostMain}) with the default heap settings, so that nothing
 * the benchmark sets hides what a host costs.
 */
@Command(name = "density", mixinStandardHelpOptions = true,
        description = "Several VMs in one host JVM: its resident memory, then migrations to a second host with the "
                + "GC pauses of both.")
public final class DensityBenchmark implements Callable<Integer> {

    private static final long BOOT_MILLIS = GuestBoot.READY_MILLIS + 30_000;
    private static final long QUERY_MILLIS = 30_000;
    private static final double MIB = 1048576.0;

    @Spec
    private CommandSpec spec;

    @Option(names = "--vms", description = "VMs on the first host (default: ${DEFAULT-VALUE}).")
    private int vms = 8;

    @Option(names = "--mem", description = "RAM of each VM (default: ${DEFAULT-VALUE}).")
    private String mem = "1G";

    @Option(names = "--args", description = "Boot arguments of each idle VM (default: ${DEFAULT-VALUE}).")
    private String args = CaseCatalog.IDLE_ARGS;

    @Option(names = "--settle", description = "Milliseconds between the last VM's boot and reading the resident "
            + "memory (default: ${DEFAULT-VALUE}).")
    private long settleMillis = 5000;

    @Option(names = "--migrations", description = "VMs migrated to the second host, one after the other "
            + "(default: ${DEFAULT-VALUE}).")
    private int migrations = 1;

    @Option(names = "--strategy", description = "Migration strategy (default: ${DEFAULT-VALUE}).")
    private String strategy = "precopy";

    @Option(names = "--max-downtime", description = "Pre-copy downtime limit in ms (default: ${DEFAULT-VALUE}).")
    private long maxDowntimeMs = 10;

    @Option(names = "--timeout", description = "Seconds before a migration is cancelled (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds = 60;

    @Option(names = "--rss-target", description = "Resident memory the first host should stay under "
            + "(default: ${DEFAULT-VALUE}).")
    private String rssTarget = "2560M";

    @Option(names = "--gc-target", description = "Longest GC pause in ms either host may have during a migration "
            + "(default: ${DEFAULT-VALUE}).")
    private double gcTargetMs = 5;

    @Override
    public Integer call() throws Exception {
        long ram;
        long rssLimit;
        try {
            ram = Sizes.parse(mem);
            rssLimit = Sizes.parse(rssTarget);
            Workload.of("idle", args, ram);
            CaseCatalog.strategy(strategy);
            if (vms < 1 || migrations < 0 || migrations > vms) {
                throw new IllegalArgumentException("--vms must be at least 1 and --migrations between 0 and --vms");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintStream out = System.out;
        try (ChildHost a = ChildHost.start("A"); ChildHost b = ChildHost.start("B")) {
            out.printf("ferry bench density, %s, %d cores; %d VMs of %s, idle %s, on host A (pid %d); "
                    + "host B (pid %d) receives; both JVMs with default heap settings%n",
                    Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(), vms,
                    Sizes.format(ram), args, a.pid(), b.pid());
            long t0 = System.nanoTime();
            int booted = 0;
            for (int i = 0; i < vms; i++) {
                try {
                    a.call(ChildHost.request("boot").put("name", vmName(i)).put("image", "idle").put("args", args)
                            .put("ram", ram), BOOT_MILLIS);
                    booted++;
                } catch (IOException e) {
                    out.printf("host A could not boot %s: %s%n", vmName(i), e.getMessage());
                    break;
                }
            }
            out.printf("booted %d of %d VMs in %.1f s; settling for %d ms%n", booted, vms,
                    (System.nanoTime() - t0) / 1e9, settleMillis);
            if (booted == 0) {
                return 1;
            }
            Thread.sleep(settleMillis);
            long rss = ResidentMemory.of(a.pid());
            printMemory(out, "host A, VMs settled", rss, a.call(ChildHost.request("memory"), QUERY_MILLIS));
            double longestPause = migrate(out, a, b, Math.min(migrations, booted));
            printMemory(out, "host A, after the migrations", ResidentMemory.of(a.pid()),
                    a.call(ChildHost.request("memory"), QUERY_MILLIS));
            out.println();
            out.println("Targets:");
            out.printf("  resident memory of host A with %d VMs: %.0f MiB (target under %.0f MiB): %s%n", booted,
                    rss / MIB, rssLimit / MIB, booted == vms && rss < rssLimit ? "met"
                            : booted < vms ? "NOT met (not every VM booted)" : "NOT met");
            if (!Double.isNaN(longestPause)) {
                out.printf("  longest GC pause on either host during a migration: %.1f ms (target at most %s ms): "
                        + "%s%n", longestPause, gcTargetMs, longestPause <= gcTargetMs ? "met" : "NOT met");
            }
        }
        return 0;
    }

    /** Migrates the first VMs from A to B; prints one row each and returns the longest GC pause of either side. */
    private double migrate(PrintStream out, ChildHost a, ChildHost b, int count)
            throws IOException, InterruptedException {
        if (count == 0) {
            return Double.NaN;
        }
        out.println();
        out.printf("Migrations A -> B (%s, max-downtime %d ms; GC: longest pause, collections):%n", strategy,
                maxDowntimeMs);
        out.println();
        out.println("| VM | success | total ms | downtime ms | sent MiB | GC A ms | GC B ms | note |");
        out.println("|----|---------|---------:|------------:|---------:|--------:|--------:|------|");
        double longest = 0;
        for (int i = 0; i < count; i++) {
            String name = vmName(i);
            JsonNode m = a.call(ChildHost.request("migrate").put("name", name)
                    .put("to", b.receiver().getAddress().getHostAddress() + ":" + b.receiver().getPort())
                    .put("strategy", strategy).put("maxDowntimeMs", maxDowntimeMs)
                    .put("timeoutMs", timeoutSeconds * 1000), timeoutSeconds * 1000 + 60_000);
            String note = m.path("error").asText("");
            boolean success = m.path("success").asBoolean();
            if (success) {
                JsonNode arrival = b.call(ChildHost.request("outcome").put("name", name).put("timeoutMs", 30_000),
                        QUERY_MILLIS + 30_000);
                if (!arrival.path("arrived").asBoolean()) {
                    success = false;
                    note = "the target says: " + arrival.path("reason").asText();
                }
            }
            b.sendGcQuery(ChildHost.instant(m.path("from").asLong()), ChildHost.instant(m.path("to").asLong()));
            GcPauses gcB = ChildHost.gcPauses(b.await(QUERY_MILLIS));
            GcPauses gcA = ChildHost.gcPauses(m.path("gc"));
            longest = Math.max(longest, Math.max(gcA.longestPauseMs(), gcB.longestPauseMs()));
            out.printf("| %s | %s | %s | %s | %s | %s | %s | %s |%n", name, success ? "yes" : "no",
                    figure(m, "totalMs", 1), figure(m, "downtimeMs", 1),
                    m.has("bytes") ? String.format("%.1f", m.path("bytes").asLong() / MIB) : "-", pauses(gcA),
                    pauses(gcB), note);
            out.flush();
        }
        return longest;
    }

    private static void printMemory(PrintStream out, String when, long rss, JsonNode heap) {
        out.printf("%s: VmRSS %.0f MiB; heap used %.0f MiB, committed %.0f MiB, max %.0f MiB%n", when, rss / MIB,
                heap.path("heapUsed").asLong() / MIB, heap.path("heapCommitted").asLong() / MIB,
                heap.path("heapMax").asLong() / MIB);
    }

    private static String figure(JsonNode reply, String field, int decimals) {
        return reply.has(field) ? String.format("%." + decimals + "f", reply.path(field).asDouble()) : "-";
    }

    private static String pauses(GcPauses p) {
        return String.format("%.1f%s (%d)", p.longestPauseMs(), p.complete() ? "" : "?", p.collections());
    }

    private static String vmName(int i) {
        return "vm-" + i;
    }
}
