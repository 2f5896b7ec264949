package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bench.migrate.Qmp;
import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.image.GuestImages.LinuxGuest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * QEMU 7.2's block migration of the benchmark's guest: two {@code qemu-system-riscv64 -machine virt} processes on
 * loopback with the same kernel, initramfs and command line, the source on a copy of the benchmark's disk, the
 * destination ({@code -incoming}) on an empty disk of the same size; the source migrates with the {@code block}
 * capability ({@code migrate -b}), {@code max-bandwidth} raised so that QEMU is not held to its default 32 MiB/s.
 * Post-copy: {@code postcopy-ram} on both sides, switched to once the block migration has at most one chunk of the
 * disk left (QEMU 7.2 cannot post-copy a disk; switching earlier would send the rest of the disk while the VM is
 * paused).
 * After {@link RunPlan#runAfterMs()} on the destination the guest is stopped and QEMU quits, so the destination's
 * disk file is complete when it is checked.
 */
final class QemuDiskMigration {

    private static final long POLL_MILLIS = 20;
    /** QEMU's block migration sends the disk in chunks of this size. */
    private static final long CHUNK = 1L << 20;

    private final String qemu;
    private final LinuxGuest guest;
    private final long maxBandwidth;

    /**
     * @param maxBandwidth QEMU's {@code max-bandwidth} in bytes/s
     */
    QemuDiskMigration(String qemu, LinuxGuest guest, long maxBandwidth) {
        this.qemu = qemu;
        this.guest = guest;
        this.maxBandwidth = maxBandwidth;
    }

    /** One run: boots both QEMUs in {@code dir} with copies of {@code master}, migrates, stops, checks. */
    DiskMigrationResult run(int number, String strategy, RunPlan plan, DiskPattern pattern, DiskWriter writer,
            Path master, Path dir) throws IOException, InterruptedException {
        Path sourceDisk = dir.resolve("qemu-source.img");
        Path targetDisk = dir.resolve("qemu-target.img");
        Files.copy(master, sourceDisk, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(targetDisk);
        try (RandomAccessFile f = new RandomAccessFile(targetDisk.toFile(), "rw")) {
            f.setLength(pattern.bytes());
        }
        int port = freePort();
        String uri = "tcp:127.0.0.1:" + port;
        List<Process> processes = new ArrayList<>();
        Thread killOnExit = new Thread(() -> processes.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            Process target = start(plan, targetDisk, dir.resolve("target.qmp"), uri, processes);
            Process source = start(plan, sourceDisk, dir.resolve("source.qmp"), null, processes);
            ConsoleText targetConsole = ConsoleText.pump(target.getInputStream(), "qemu-target-console");
            ConsoleText sourceConsole = ConsoleText.pump(source.getInputStream(), "qemu-source-console");
            DiskMigrationResult result;
            try (Qmp dst = Qmp.connect(dir.resolve("target.qmp"), target, 10_000);
                    Qmp src = Qmp.connect(dir.resolve("source.qmp"), source, 10_000)) {
                if (!sourceConsole.await(t -> DiskWriter.lastAcknowledged(t) > 0, plan.bootTimeoutMs())) {
                    return DiskMigrationResult.failed(number, "qemu", strategy, "the guest did not start writing in "
                            + plan.bootTimeoutMs() / 1000 + " s");
                }
                Thread.sleep(plan.migrateAfterMs());
                result = migrate(number, strategy, plan, src, dst, uri);
                if (!result.migrated()) {
                    return result;
                }
                long acknowledgedBefore = DiskWriter.lastAcknowledged(sourceConsole.text());
                boolean wrote = targetConsole.await(t -> DiskWriter.lastAcknowledged(t) > acknowledgedBefore,
                        plan.runAfterMs() + 10_000);
                Thread.sleep(plan.runAfterMs());
                dst.execute("stop", null);
                if (!wrote) {
                    result = result.withNote("the guest wrote nothing on the target: QEMU 7.2's guest stays idle after "
                            + "an incoming migration (without disks too: its timer does not fire there)");
                }
                quit(dst, target);
            }
            long acknowledged = Math.max(DiskWriter.lastAcknowledged(sourceConsole.text()),
                    DiskWriter.lastAcknowledged(targetConsole.text()));
            return result.withCheck(DiskCheck.of(targetDisk, pattern, writer.capacity(), acknowledged));
        } catch (IOException e) {
            return DiskMigrationResult.failed(number, "qemu", strategy, e.getMessage());
        } finally {
            for (Process p : processes) {
                kill(p);
            }
            Runtime.getRuntime().removeShutdownHook(killOnExit);
            Files.deleteIfExists(sourceDisk);
            Files.deleteIfExists(targetDisk);
            Files.deleteIfExists(dir.resolve("target.qmp"));
            Files.deleteIfExists(dir.resolve("source.qmp"));
        }
    }

    private DiskMigrationResult migrate(int number, String strategy, RunPlan plan, Qmp src, Qmp dst, String uri)
            throws IOException, InterruptedException {
        boolean postcopy = strategy.equals("postcopy");
        ObjectNode caps = Qmp.args();
        caps.putArray("capabilities").addObject().put("capability", "block").put("state", true);
        src.execute("migrate-set-capabilities", caps);
        if (postcopy) {
            ObjectNode pc = Qmp.args();
            pc.putArray("capabilities").addObject().put("capability", "postcopy-ram").put("state", true);
            dst.execute("migrate-set-capabilities", pc);
            src.execute("migrate-set-capabilities", pc);
        }
        src.execute("migrate-set-parameters", Qmp.args().put("max-bandwidth", maxBandwidth));
        src.execute("migrate", Qmp.args().put("uri", uri));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(plan.migrationTimeoutMs());
        long diskSeen = 0;
        boolean switched = false;
        while (true) {
            JsonNode info = src.execute("query-migrate", null);
            String status = info.path("status").asText();
            diskSeen = Math.max(diskSeen, info.path("disk").path("transferred").asLong());
            if (status.equals("completed")) {
                String state = awaitRunning(dst);
                DiskMigrationResult r = DiskMigrationResult.qemu(number, strategy, info, diskSeen);
                if (postcopy && !switched) {
                    r = r.withNote("completed before post-copy was started");
                }
                return state.equals("running") ? r : r.withNote("destination is " + state);
            }
            if (status.equals("failed") || status.equals("cancelled")) {
                return DiskMigrationResult.qemu(number, strategy, info, diskSeen);
            }
            if (postcopy && !switched && status.equals("active") && bulkSent(info.path("disk"))) {
                src.execute("migrate-start-postcopy", null);
                switched = true;
            }
            if (System.nanoTime() > deadline) {
                if (!status.equals("postcopy-active")) {
                    src.execute("migrate_cancel", null);
                }
                return DiskMigrationResult.failed(number, "qemu", strategy, "not done in "
                        + plan.migrationTimeoutMs() / 1000 + " s (status " + status + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * True once the block migration has at most one chunk (1 MiB) of the disk left to send: the last moment to switch
     * to post-copy, as QEMU sends the RAM of a quiet guest within a few polls after the disk.
     */
    static boolean bulkSent(JsonNode disk) {
        return disk.path("total").asLong(0) > 0 && disk.path("transferred").asLong() > 0
                && disk.path("remaining").asLong(Long.MAX_VALUE) <= CHUNK;
    }

    private static String awaitRunning(Qmp dst) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String state = dst.execute("query-status", null).path("status").asText();
            if (state.equals("running") || System.nanoTime() > deadline) {
                return state;
            }
            Thread.sleep(5);
        }
    }

    private Process start(RunPlan plan, Path disk, Path qmpSocket, String incoming, List<Process> processes)
            throws IOException {
        Files.deleteIfExists(qmpSocket);
        List<String> cmd = new ArrayList<>(List.of(qemu, "-machine", "virt", "-cpu", Cpu.QEMU_CPU, "-nographic",
                "-monitor", "none", "-m", plan.ramMiB() + "M", "-kernel", guest.kernel().toString(),
                "-initrd", guest.initrd().toString(), "-append", plan.kernelArgs(),
                "-drive", "file=" + disk + ",format=raw,if=none,id=d0",
                "-device", "virtio-blk-device,drive=d0",
                "-qmp", "unix:" + qmpSocket + ",server=on,wait=off"));
        if (incoming != null) {
            cmd.add("-incoming");
            cmd.add(incoming);
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** Asks QEMU to quit, so that it closes its disk, and waits for it. */
    private static void quit(Qmp qmp, Process p) throws InterruptedException {
        try {
            qmp.execute("quit", null);
        } catch (IOException closing) {
            // QEMU may close the socket before it answers
        }
        p.waitFor(10, TimeUnit.SECONDS);
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
