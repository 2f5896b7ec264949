package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bench.evacuate.HostDaemon;
import dev.ferry.host.api.Quantities;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.GuestImages.LinuxGuest;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry bench storage}: a VM whose disk is local moves with its disk, on Ferry and on QEMU 7.2 in the same
 * run, while its guest keeps writing sequence-numbered records to the disk; then N copies of a running VM are
 * started as clones and as full copies. Prints tables, writes CSV and JSON with {@code --out}. See
 * {@code docs/measuring.md}, section Storage.
 */
@Command(name = "storage", mixinStandardHelpOptions = true,
        description = "Local-disk migration with a writer in the guest, Ferry against QEMU 7.2's block migration; "
                + "clone provisioning against full copies: time and host memory.")
public final class StorageBenchmark implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Option(names = "--disk", paramLabel = "SIZE", description = "The migrating VM's raw disk (default: "
            + "${DEFAULT-VALUE}).")
    private String disk = "1G";

    @Option(names = "--fill", description = "Share of the disk's 4 KiB blocks that hold data before boot; the rest "
            + "are zeros (default: ${DEFAULT-VALUE}).")
    private double fill = 1.0;

    @Option(names = "--mem", description = "RAM of every VM (default: ${DEFAULT-VALUE}).")
    private String mem = "256M";

    @Option(names = "--strategy", split = ",", description = "Strategies to run, comma-separated: precopy, postcopy "
            + "(default: ${DEFAULT-VALUE}).")
    private List<String> strategies = List.of("precopy", "postcopy");

    @Option(names = "--systems", split = ",", description = "ferry, qemu or both (default: ${DEFAULT-VALUE}).")
    private List<String> systems = List.of("ferry", "qemu");

    @Option(names = "--repeat", description = "Runs per strategy and system (default: ${DEFAULT-VALUE}).")
    private int repeat = 1;

    @Option(names = "--writer-interval", paramLabel = "S", description = "Seconds between two records the guest "
            + "writes (default: ${DEFAULT-VALUE}).")
    private double writerInterval = 0.05;

    @Option(names = "--migrate-after", paramLabel = "S", description = "Seconds the guest writes before it migrates "
            + "(default: ${DEFAULT-VALUE}).")
    private double migrateAfter = 5;

    @Option(names = "--run-after", paramLabel = "S", description = "Seconds the guest writes on the target before "
            + "it is stopped and its disk checked (default: ${DEFAULT-VALUE}).")
    private double runAfter = 3;

    @Option(names = "--boot-timeout", paramLabel = "S", description = "Seconds a guest may take to start writing "
            + "(default: ${DEFAULT-VALUE}).")
    private int bootTimeout = 300;

    @Option(names = "--migration-timeout", paramLabel = "S", description = "Seconds a migration may take (default: "
            + "${DEFAULT-VALUE}).")
    private int migrationTimeout = 600;

    @Option(names = "--qemu-max-bandwidth", paramLabel = "BYTES/S", description = "QEMU's max-bandwidth (default: "
            + "${DEFAULT-VALUE}; QEMU's own default is 32M).")
    private String qemuMaxBandwidth = "10G";

    @Option(names = "--clones", description = "Copies to start as clones and as full copies; 0 skips (default: "
            + "${DEFAULT-VALUE}).")
    private int clones = 10;

    @Option(names = "--clone-disk", paramLabel = "SIZE", description = "The disk of the VM that is copied (default: "
            + "${DEFAULT-VALUE}).")
    private String cloneDisk = "256M";

    @Option(names = "--out", paramLabel = "DIR", description = "Write storage-disk.csv, storage-clones.csv and "
            + "storage.json into DIR.")
    private Path out;

    @Override
    public Integer call() throws Exception {
        long diskBytes = size("--disk", disk);
        long cloneDiskBytes = size("--clone-disk", cloneDisk);
        long ramMiB = size("--mem", mem) >> 20;
        check();
        LinuxGuest guest = GuestImages.ofInstallation().linux().orElseThrow(() -> new ParameterException(
                spec.commandLine(), "the Linux guest is not built: guests/linux/build.sh guests/build/linux"));
        PrintStream o = System.out;
        DiskPattern pattern = new DiskPattern(diskBytes, fill);
        DiskWriter writer = new DiskWriter(diskBytes, writerInterval);
        RunPlan plan = new RunPlan(ramMiB, "console=ttyS0 quiet " + writer.kernelArgument(), bootTimeout * 1000L,
                Math.round(migrateAfter * 1000), Math.round(runAfter * 1000), migrationTimeout * 1000L);
        Path dir = Files.createTempDirectory("ferry-bench-storage-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        o.printf(Locale.ROOT, "ferry bench storage, %s, %d cores: Linux guest (%s) with a %s raw disk (%.0f%% of its "
                + "blocks data), writing a 4 KiB record every %.3f s with dd conv=fsync; migration %.1f s after it "
                + "starts writing, stopped %.1f s after; %s; scratch %s%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), Runtime.getRuntime().availableProcessors(), mem, disk,
                fill * 100, writerInterval, migrateAfter, runAfter, String.join(" and ", systems), dir);
        List<DiskMigrationResult> runs = new ArrayList<>();
        List<ProvisioningResult> provisioning = new ArrayList<>();
        try {
            Path secret = dir.resolve("secret");
            Path token = dir.resolve("token");
            writeSecret(secret);
            HostSetup setup = new HostSetup(guest, dir.resolve("templates"));
            Path master = dir.resolve("master.img");
            long t0 = System.nanoTime();
            pattern.write(master);
            o.printf(Locale.ROOT, "disk written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            migrations(o, plan, pattern, writer, master, setup, secret, token, guest, dir, runs);
            Files.deleteIfExists(master);
            o.println();
            StorageReport.printDisk(o, runs);
            if (clones > 0) {
                DiskPattern small = new DiskPattern(cloneDiskBytes, fill);
                Path base = dir.resolve("clone-base.img");
                small.write(base);
                CloneProvisioning p = new CloneProvisioning(dir, secret, token, setup, ramMiB, base, clones,
                        bootTimeout * 1000L);
                o.printf("%nprovisioning %d copies of a running VM (%s RAM, %s disk), each way on a fresh host%n",
                        clones, mem, cloneDisk);
                provisioning.add(provision("clone", p::clones));
                provisioning.add(provision("full-copy", p::fullCopies));
                o.println();
                StorageReport.printClones(o, provisioning);
            }
            if (out != null) {
                StorageReport.write(out, setup(diskBytes, ramMiB), runs, provisioning);
                o.println("results written to " + out.toAbsolutePath());
            }
        } catch (IOException e) {
            System.err.println("ferry bench storage: " + e.getMessage());
            return 1;
        } finally {
            HostSetup.deleteTree(dir);
        }
        boolean ok = runs.stream().allMatch(DiskMigrationResult::success)
                && provisioning.stream().allMatch(p -> p.done() || p.skipped());
        return ok ? 0 : 1;
    }

    private void migrations(PrintStream o, RunPlan plan, DiskPattern pattern, DiskWriter writer, Path master,
            HostSetup setup, Path secret, Path token, LinuxGuest guest, Path dir, List<DiskMigrationResult> runs)
            throws IOException, InterruptedException {
        HostSetup.Dirs da = null;
        HostSetup.Dirs db = null;
        HostDaemon a = null;
        HostDaemon b = null;
        try {
            FerryDiskMigration ferry = null;
            if (systems.contains("ferry")) {
                da = setup.create(dir.resolve("a"));
                db = setup.create(dir.resolve("b"));
                a = setup.start("A", secret, token, da);
                b = setup.start("B", secret, token, db);
                ferry = new FerryDiskMigration(a, b, da.images(), db.storage());
                o.printf("Ferry hosts A (pid %d) and B (pid %d) on loopback%n", a.pid(), b.pid());
            }
            QemuDiskMigration qemu = systems.contains("qemu") ? new QemuDiskMigration("qemu-system-riscv64", guest,
                    Quantities.parseBytes(qemuMaxBandwidth)) : null;
            int number = 0;
            for (int r = 0; r < repeat; r++) {
                for (String s : strategies) {
                    if (ferry != null) {
                        runs.add(report(o, ferry.run(++number, s, plan, pattern, writer, master)));
                    }
                    if (qemu != null) {
                        runs.add(report(o, qemu.run(++number, s, plan, pattern, writer, master, dir)));
                    }
                }
            }
        } finally {
            if (b != null) {
                b.close();
            }
            if (a != null) {
                a.close();
            }
        }
    }

    /** One provisioning method; a failure of its host is its result, not the end of the bench. */
    private ProvisioningResult provision(String method, ProvisioningRun run) throws InterruptedException {
        try {
            ProvisioningResult r = run.call();
            System.out.println(StorageReport.cloneRow(r));
            return r;
        } catch (IOException e) {
            return ProvisioningResult.failed(method, clones, -1, e.getMessage());
        }
    }

    /** A provisioning method of {@link CloneProvisioning}. */
    private interface ProvisioningRun {
        ProvisioningResult call() throws IOException, InterruptedException;
    }

    private static DiskMigrationResult report(PrintStream o, DiskMigrationResult r) {
        o.println(StorageReport.diskRow(r));
        return r;
    }

    private ObjectNode setup(long diskBytes, long ramMiB) {
        ObjectNode s = JSON.createObjectNode().put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .put("cores", Runtime.getRuntime().availableProcessors()).put("disk_bytes", diskBytes)
                .put("fill", fill).put("ram_mib", ramMiB).put("writer_interval_s", writerInterval)
                .put("migrate_after_s", migrateAfter).put("run_after_s", runAfter)
                .put("qemu_max_bandwidth", qemuMaxBandwidth).put("clones", clones).put("clone_disk", cloneDisk);
        s.putArray("strategies").addAll(strategies.stream().map(JSON.getNodeFactory()::textNode).toList());
        s.putArray("systems").addAll(systems.stream().map(JSON.getNodeFactory()::textNode).toList());
        return s;
    }

    private long size(String option, String value) {
        try {
            return Quantities.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    private void check() {
        for (String s : strategies) {
            if (!s.equals("precopy") && !s.equals("postcopy")) {
                throw new ParameterException(spec.commandLine(), "--strategy: precopy or postcopy, not " + s);
            }
        }
        for (String s : systems) {
            if (!s.equals("ferry") && !s.equals("qemu")) {
                throw new ParameterException(spec.commandLine(), "--systems: ferry or qemu, not " + s);
            }
        }
        if (repeat < 1 || clones < 0 || clones > 100 || !(fill >= 0 && fill <= 1) || migrateAfter < 0
                || runAfter < 0 || writerInterval < 0 || writerInterval > 10) {
            throw new ParameterException(spec.commandLine(), "--repeat must be at least 1, --clones 0..100, --fill "
                    + "0..1, --migrate-after and --run-after at least 0, --writer-interval 0..10");
        }
    }

    private static void writeSecret(Path secret) throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(secret, HexFormat.of().formatHex(key) + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    }
}
