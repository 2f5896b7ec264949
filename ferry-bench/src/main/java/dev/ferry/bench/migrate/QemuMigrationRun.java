package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bench.measure.GcPauses;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Migrates one guest between two {@code qemu-system-riscv64} processes on loopback, driven through QMP: a
 * destination started with {@code -incoming}, a source with the same command line. Both are killed afterwards,
 * whatever happened.
 *
 * <p>Stop-and-copy is {@code stop} followed by {@code migrate} (and {@code cont} on the destination); post-copy
 * enables {@code postcopy-ram} on both sides and switches at once, hybrid after {@code hybridRounds} dirty-log
 * syncs. A case's downtime limit becomes QEMU's {@code downtime-limit}. Figures come from the source's
 * {@code query-migrate}.
 */
final class QemuMigrationRun {

    private static final long POLL_MILLIS = 20;
    private static final long READY_MILLIS = 30_000;

    private final String qemu;
    private final long warmupMillis;
    private final long timeoutMillis;
    private final long maxBandwidth;
    private final int hybridRounds;

    /**
     * @param maxBandwidth QEMU's {@code max-bandwidth} in bytes/s; 0 keeps QEMU's default
     * @param hybridRounds hybrid: switch to post-copy once this many pre-copy rounds are done
     */
    QemuMigrationRun(String qemu, long warmupMillis, long timeoutMillis, long maxBandwidth, int hybridRounds) {
        this.qemu = qemu;
        this.warmupMillis = warmupMillis;
        this.timeoutMillis = timeoutMillis;
        this.maxBandwidth = maxBandwidth;
        this.hybridRounds = hybridRounds;
    }

    /** Starts both QEMUs, waits until the source guest is ready plus the warm-up, migrates and reports. */
    MigrationResult run(Path image, MigrationCase testCase) throws Exception {
        Workload w = testCase.workload();
        String strategy = testCase.qemu().strategy();
        Path dir = Files.createTempDirectory("ferry-bench-qemu");
        Path sourceSocket = dir.resolve("source.qmp");
        Path targetSocket = dir.resolve("target.qmp");
        int port = freePort();
        String uri = "tcp:127.0.0.1:" + port;
        List<Process> processes = new CopyOnWriteArrayList<>();
        Thread killOnExit = new Thread(() -> processes.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            Process target = start(image, w, targetSocket, uri, processes);
            Process source = start(image, w, sourceSocket, null, processes);
            ConsoleWatch console = new ConsoleWatch(w.ready());
            console.pump(source.getInputStream(), "qemu-console-" + port);
            try (Qmp dst = Qmp.connect(targetSocket, target, 10_000);
                 Qmp src = Qmp.connect(sourceSocket, source, 10_000)) {
                if (!console.await(READY_MILLIS)) {
                    return MigrationResult.failed("qemu", testCase, strategy, "guest did not print '"
                            + w.ready().strip() + "' in " + READY_MILLIS / 1000 + " s");
                }
                Thread.sleep(warmupMillis);
                return migrate(src, dst, testCase, uri);
            }
        } catch (IOException e) {
            return MigrationResult.failed("qemu", testCase, strategy, e.getMessage());
        } finally {
            for (Process p : processes) {
                kill(p);
            }
            Runtime.getRuntime().removeShutdownHook(killOnExit);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private MigrationResult migrate(Qmp src, Qmp dst, MigrationCase testCase, String uri)
            throws IOException, InterruptedException {
        String strategy = testCase.qemu().strategy();
        boolean stopcopy = strategy.equals("stopcopy");
        boolean postcopy = strategy.equals("postcopy") || strategy.equals("hybrid");
        if (postcopy) {
            ObjectNode caps = Qmp.args();
            caps.putArray("capabilities").addObject().put("capability", "postcopy-ram").put("state", true);
            dst.execute("migrate-set-capabilities", caps);
            src.execute("migrate-set-capabilities", caps);
        }
        if (maxBandwidth > 0) {
            src.execute("migrate-set-parameters", Qmp.args().put("max-bandwidth", maxBandwidth));
        }
        if (testCase.qemu().downtimeLimitMs() > 0) {
            src.execute("migrate-set-parameters", Qmp.args().put("downtime-limit",
                    testCase.qemu().downtimeLimitMs()));
        }
        if (stopcopy) {
            src.execute("stop", null);
        }
        src.execute("migrate", Qmp.args().put("uri", uri));
        boolean switched = false;
        if (strategy.equals("postcopy")) {
            src.execute("migrate-start-postcopy", null);
            switched = true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            JsonNode info = src.execute("query-migrate", null);
            String status = info.path("status").asText();
            switch (status) {
                case "completed" -> {
                    return completed(info, dst, testCase, stopcopy);
                }
                case "failed", "cancelled" -> {
                    return MigrationResult.failed("qemu", testCase, strategy,
                            status + ": " + info.path("error-desc").asText("no reason given"));
                }
                default -> { }
            }
            if (!switched && strategy.equals("hybrid") && status.equals("active")
                    && info.path("ram").path("dirty-sync-count").asLong() > hybridRounds) {
                src.execute("migrate-start-postcopy", null);
                switched = true;
            }
            if (System.nanoTime() > deadline) {
                long seconds = timeoutMillis / 1000;
                if (status.equals("postcopy-active")) {
                    return MigrationResult.failed("qemu", testCase, strategy,
                            "post-copy did not complete in " + seconds + " s");
                }
                src.execute("migrate_cancel", null);
                JsonNode ram = info.path("ram");
                return MigrationResult.failed("qemu", testCase, strategy, String.format(
                        "did not converge in %d s (%d dirty syncs, %.0f MiB sent, %d dirty pages/s)", seconds,
                        ram.path("dirty-sync-count").asLong(), ram.path("transferred").asLong() / 1048576.0,
                        ram.path("dirty-pages-rate").asLong()));
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Reads the figures of a completed migration once the destination runs. QEMU leaves the destination paused
     * when the source was stopped, so stop-and-copy resumes it. A downtime above the total time (QEMU 7.2 can
     * report one when post-copy starts at once) is not a measurement and is left out.
     */
    private static MigrationResult completed(JsonNode info, Qmp dst, MigrationCase testCase, boolean stopcopy)
            throws IOException, InterruptedException {
        String targetState = awaitRunning(dst, stopcopy);
        double total = info.path("total-time").asDouble(Double.NaN);
        double downtime = stopcopy ? total : info.path("downtime").asDouble(Double.NaN);
        List<String> notes = new ArrayList<>();
        if (downtime > total) {
            notes.add(String.format("QEMU reported a downtime of %.0f ms, longer than the migration; left out",
                    downtime));
            downtime = Double.NaN;
        }
        boolean running = targetState.equals("running");
        if (!running) {
            notes.add("target is " + targetState);
        }
        JsonNode ram = info.path("ram");
        return new MigrationResult("qemu", testCase.name(), testCase.qemu().strategy(), testCase.workload(), running,
                total, downtime, ram.path("transferred").asLong(), ram.path("dirty-sync-count").asInt(),
                GcPauses.UNKNOWN, GcPauses.UNKNOWN, String.join("; ", notes));
    }

    /** Waits up to 10 s for the destination to run (it may still be loading the last state); returns its state. */
    private static String awaitRunning(Qmp dst, boolean resume) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean resumed = false;
        while (true) {
            String state = dst.execute("query-status", null).path("status").asText();
            if (state.equals("running") || System.nanoTime() > deadline) {
                return state;
            }
            if (resume && !resumed && !state.equals("inmigrate")) {
                dst.execute("cont", null);
                resumed = true;
            }
            Thread.sleep(5);
        }
    }

    private Process start(Path image, Workload w, Path qmpSocket, String incoming, List<Process> processes)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(qemu, "-machine", "virt", "-bios", "none", "-nographic",
                "-monitor", "none", "-m", Long.toString(w.ramBytes() >> 20) + "M",
                "-kernel", image.toString(), "-append", w.args(),
                "-qmp", "unix:" + qmpSocket + ",server=on,wait=off"));
        if (incoming != null) {
            cmd.add("-incoming");
            cmd.add(incoming);
        }
        ProcessBuilder.Redirect output = incoming == null ? ProcessBuilder.Redirect.PIPE
                : ProcessBuilder.Redirect.DISCARD;
        Process p = new ProcessBuilder(cmd).redirectOutput(output).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
