package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.evacuate.HostDaemon;
import dev.ferry.bench.measure.ProportionalMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Starts N copies of a running Linux VM on a fresh {@code ferry host} daemon, two ways: as clones
 * ({@code POST /v1/vms/VM/clone}, what {@code ferry vm clone VM --count N} asks; skipped when this build's
 * {@code ferry vm} has no {@code clone}) and as N full copies (each disk copied, then {@code POST /v1/vms}, each
 * guest booting). Measures the seconds until all N run and the growth of the host
 * process's Pss. Each way gets its own daemon, so one does not inherit the other's memory.
 */
final class CloneProvisioning {

    static final String READY = "provision-ready";
    private static final String BASE = "base";
    private static final String BASE_DISK = "base.img";
    private static final long SETTLE_MILLIS = 2_000;
    private static final Pattern CLONE_COMMAND = Pattern.compile("(?m)^\\s+clone\\s");

    private final Path dir;
    private final Path secret;
    private final Path token;
    private final HostSetup setup;
    private final long ramMiB;
    private final Path master;
    private final int count;
    private final long timeoutMs;

    /**
     * @param dir       scratch directory for the daemons' directories
     * @param setup     makes a daemon's directories (image directory with the Linux guest)
     * @param master    the disk every VM starts from
     * @param timeoutMs how long booting the original or starting the copies may take
     */
    CloneProvisioning(Path dir, Path secret, Path token, HostSetup setup, long ramMiB, Path master, int count,
            long timeoutMs) {
        this.dir = dir;
        this.secret = secret;
        this.token = token;
        this.setup = setup;
        this.ramMiB = ramMiB;
        this.master = master;
        this.count = count;
        this.timeoutMs = timeoutMs;
    }

    /** The kernel command line of the original and the full copies: print the marker, then idle. */
    static String kernelArgs() {
        return "console=ttyS0 quiet ferry.run=" + DiskWriter.encode("echo " + READY + "; while true; do sleep 1; done");
    }

    /** N full copies: copy the disk, create the VM, for each; done when every guest printed the marker. */
    ProvisioningResult fullCopies() throws IOException, InterruptedException {
        HostSetup.Dirs d = setup.create(dir.resolve("full"));
        Files.copy(master, d.images().resolve(BASE_DISK));
        try (HostDaemon host = setup.start("F", secret, token, d)) {
            boot(host);
            long before = settledPss(host);
            long t0 = System.nanoTime();
            for (int i = 1; i <= count; i++) {
                String disk = "copy-" + i + ".img";
                Files.copy(d.images().resolve(BASE_DISK), d.images().resolve(disk));
                create(host, "copy-" + i, disk);
            }
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            for (int i = 1; i <= count; i++) {
                if (!awaitConsole(host, "copy-" + i, deadline)) {
                    return ProvisioningResult.failed("full-copy", count, before,
                            "copy-" + i + " did not boot in " + timeoutMs / 1000 + " s");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return ProvisioningResult.done("full-copy", count, seconds, before, settledPss(host), "");
        } finally {
            setup.delete(d);
        }
    }

    /** N clones by the control API; done when the host runs N VMs besides the original. */
    ProvisioningResult clones() throws IOException, InterruptedException {
        String missing = cloneCommandMissing();
        if (missing != null) {
            return ProvisioningResult.skipped("clone", count, missing);
        }
        HostSetup.Dirs d = setup.create(dir.resolve("clone"));
        Files.copy(master, d.images().resolve(BASE_DISK));
        try (HostDaemon host = setup.start("C", secret, token, d)) {
            boot(host);
            long before = settledPss(host);
            long t0 = System.nanoTime();
            JsonNode answer;
            try {
                answer = host.post("/v1/vms/" + BASE + "/clone", Map.of("count", count));
            } catch (IOException e) {
                return ProvisioningResult.failed("clone", count, before, e.getMessage());
            }
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (running(host) < count + 1) {
                if (System.nanoTime() > deadline) {
                    return ProvisioningResult.failed("clone", count, before,
                            "only " + (running(host) - 1) + " clones ran after " + timeoutMs / 1000 + " s");
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return ProvisioningResult.done("clone", count, seconds, before, settledPss(host),
                    String.format(Locale.ROOT, "the original paused %.1f ms; its RAM snapshot, %.1f MiB, is a memory "
                            + "file whose pages no clone maps yet count in no Pss",
                            answer.path("pause_ms").asDouble(Double.NaN),
                            answer.path("snapshot_bytes").asLong() / 1048576.0));
        } finally {
            setup.delete(d);
        }
    }

    private void boot(HostDaemon host) throws IOException, InterruptedException {
        create(host, BASE, BASE_DISK);
        if (!awaitConsole(host, BASE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs))) {
            throw new IOException("the original VM did not boot in " + timeoutMs / 1000 + " s");
        }
    }

    private void create(HostDaemon host, String name, String disk) throws IOException, InterruptedException {
        host.post("/v1/vms", Map.of("name", name, "image", "linux", "mem", ramMiB + "M", "args", kernelArgs(),
                "drives", List.of("file=" + disk + ",format=raw")));
    }

    private static boolean awaitConsole(HostDaemon host, String vm, long deadlineNanos)
            throws IOException, InterruptedException {
        while (!host.text("/v1/vms/" + vm + "/console?offset=0&max=1048576").contains(READY)) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static int running(HostDaemon host) throws IOException, InterruptedException {
        int n = 0;
        for (JsonNode vm : host.get("/v1/vms").path("vms")) {
            n += vm.path("state").asText().equals("running") ? 1 : 0;
        }
        return n;
    }

    private static long settledPss(HostDaemon host) throws IOException, InterruptedException {
        Thread.sleep(SETTLE_MILLIS);
        return ProportionalMemory.of(host.pid());
    }

    /** Null when {@code ferry vm} lists a {@code clone} command, else why the clones are skipped. */
    private static String cloneCommandMissing() throws IOException, InterruptedException {
        return listsClone(ferryOutput(List.of("vm", "--help"))) ? null
                : "skipped: this build's 'ferry vm' has no clone command";
    }

    /** True when {@code ferry vm --help}'s output lists a {@code clone} command. */
    static boolean listsClone(String vmHelp) {
        return CLONE_COMMAND.matcher(vmHelp).find();
    }

    /** What {@code ferry ARGS...} prints (standard output and error). */
    private static String ferryOutput(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(HostDaemon.ferryCommand(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }
}
