package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.evacuate.HostDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ferry's local-disk migration of the benchmark's guest between two {@code ferry host} daemons on loopback, A and
 * B, driven through their control APIs as a user would: the VM boots on A from a copy of the benchmark's disk in
 * A's image directory and migrates with {@code copy_disks: true}; B writes the disk into its storage directory.
 * After {@link RunPlan#runAfterMs()} on B the VM is stopped, which closes the disk, and the disk B wrote is checked.
 */
final class FerryDiskMigration {

    static final String VM = "disk";
    private static final String SOURCE_DISK = "disk.img";
    private static final String CONSOLE = "/v1/vms/" + VM + "/console?offset=0&max=1048576";

    private final HostDaemon a;
    private final HostDaemon b;
    private final Path imagesA;
    private final Path storageB;

    /**
     * @param imagesA  A's image directory, where the source disk is put
     * @param storageB B's storage directory, where it writes the disks that migrate in
     */
    FerryDiskMigration(HostDaemon a, HostDaemon b, Path imagesA, Path storageB) {
        this.a = a;
        this.b = b;
        this.imagesA = imagesA;
        this.storageB = storageB;
    }

    /** One run: boots the VM on A with a copy of {@code master}, migrates it to B, stops it there and checks. */
    DiskMigrationResult run(int number, String strategy, RunPlan plan, DiskPattern pattern, DiskWriter writer,
            Path master) throws IOException, InterruptedException {
        Path sourceDisk = imagesA.resolve(SOURCE_DISK);
        Files.copy(master, sourceDisk, StandardCopyOption.REPLACE_EXISTING);
        try {
            a.post("/v1/vms", Map.of("name", VM, "image", "linux", "mem", plan.ramMiB() + "M",
                    "args", plan.kernelArgs(), "drives", List.of("file=" + SOURCE_DISK + ",format=raw")));
            if (!awaitWriting(a, 0, plan.bootTimeoutMs())) {
                stopQuietly(a);
                return DiskMigrationResult.failed(number, "ferry", strategy, "the guest did not start writing in "
                        + plan.bootTimeoutMs() / 1000 + " s");
            }
            Thread.sleep(plan.migrateAfterMs());
            long acknowledgedBefore = DiskWriter.lastAcknowledged(a.text(CONSOLE));
            String id = a.post("/v1/vms/" + VM + "/migrate", Map.of("to", b.control(), "strategy", strategy,
                    "copy_disks", true)).path("id").asText();
            JsonNode done = awaitDone(id, plan.migrationTimeoutMs());
            if (done == null) {
                a.post("/v1/migrations/" + id + "/cancel", Map.of());
                stopQuietly(a);
                return DiskMigrationResult.failed(number, "ferry", strategy, "not done in "
                        + plan.migrationTimeoutMs() / 1000 + " s");
            }
            DiskMigrationResult result = DiskMigrationResult.ferry(number, strategy, done.path("report"));
            if (!result.migrated()) {
                stopQuietly(a);
                return result;
            }
            if (!awaitWriting(b, acknowledgedBefore, plan.runAfterMs() + 10_000)) {
                result = result.withNote("the guest wrote nothing on the target");
            }
            Thread.sleep(plan.runAfterMs());
            String console = b.text(CONSOLE);
            b.post("/v1/vms/" + VM + "/stop", Map.of());
            long acknowledged = Math.max(acknowledgedBefore, DiskWriter.lastAcknowledged(console));
            List<Path> disks = disksOf(storageB, pattern.bytes());
            if (disks.size() != 1) {
                return result.withNote("found " + disks.size() + " disks of " + pattern.bytes() + " bytes in B's "
                        + "storage directory " + storageB + ", not one: not checked");
            }
            try {
                return result.withCheck(DiskCheck.of(disks.get(0), pattern, writer.capacity(), acknowledged));
            } finally {
                Files.deleteIfExists(disks.get(0));
            }
        } catch (IOException e) {
            stopQuietly(a);
            stopQuietly(b);
            return DiskMigrationResult.failed(number, "ferry", strategy, e.getMessage());
        } finally {
            Files.deleteIfExists(sourceDisk);
        }
    }

    /** Waits until {@code host}'s console acknowledges a record after {@code after}. */
    private static boolean awaitWriting(HostDaemon host, long after, long millis)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (DiskWriter.lastAcknowledged(host.text(CONSOLE)) <= after) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private JsonNode awaitDone(String id, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            JsonNode m = a.get("/v1/migrations/" + id);
            if (m.path("done").asBoolean()) {
                return m;
            }
            Thread.sleep(20);
        }
        return null;
    }

    private static void stopQuietly(HostDaemon host) throws InterruptedException {
        try {
            host.post("/v1/vms/" + VM + "/stop", Map.of());
        } catch (IOException gone) {
            // the VM is not there
        }
    }

    /** Regular files of exactly {@code bytes} under {@code dir}. */
    static List<Path> disksOf(Path dir, long bytes) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    return Files.size(f) == bytes;
                } catch (IOException gone) {
                    return false;
                }
            }).toList();
        }
    }
}
