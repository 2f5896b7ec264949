package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.awaitState;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.storage.nbd.NbdServerProcess;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Linux VM on a local raw disk migrates with {@code copy_disks} while it writes: inside the guest, a pattern file
 * written and synced before the migration reads back (past the page cache) with the same MD5 on the target, and
 * a sequence-numbered log synced line by line has every line; on the target host the disk file the host created
 * passes {@code e2fsck}, and holds the same log and pattern. Needs {@code e2fsck}, {@code debugfs} and the built
 * Linux guest; skipped otherwise.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LocalDiskMigrationHostTest {

    private static final int LINES = 40;
    private static final Pattern MD5 = Pattern.compile("(?m)^pattern ([0-9a-f]{32})");
    private static final Pattern MD5_AFTER = Pattern.compile("(?m)^pattern-after ([0-9a-f]{32})");

    @ParameterizedTest
    @ValueSource(strings = {"precopy", "postcopy"})
    void theDiskMovesWithTheVmAndLosesNoSyncedWrite(String strategy) throws Exception {
        assumeTrue(NbdServerProcess.installed("e2fsck") && NbdServerProcess.installed("debugfs"),
                "needs e2fsck and debugfs");
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
        try (FerryHost a = TestHosts.start("A"); FerryHost b = TestHosts.start("B")) {
            Path disk = a.storage().disks().resolve("c.img");
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                f.setLength(32L << 20);
            }
            Answer created = postJson(a, "/v1/vms", Map.of("name", "c", "image", "linux", "mem", "128M",
                    "args", "console=ttyS0 quiet ferry.run=diskcheck_0.2_" + LINES + "_8",
                    "drives", List.of("file=" + disk + ",format=raw")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String before = awaitConsole(a, "seq 5");
            Matcher m = MD5.matcher(before);
            assertThat(m.find()).as(before).isTrue();
            String md5 = m.group(1);

            Answer started = postJson(a, "/v1/vms/c/migrate", Map.of("to",
                    TestHosts.base(b).substring("http://".length()), "strategy", strategy, "copy_disks", true));
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            JsonNode done = awaitDone(a, started.json().path("id").asText());
            JsonNode report = done.path("report");
            assertThat(report.path("success").asBoolean()).as(done.toString()).isTrue();
            assertThat(report.path("disk_blocks").asLong()).as("every block of the 32 MiB disk went")
                    .isGreaterThanOrEqualTo((32L << 20) / 4096);
            assertThat(report.path("disk_rounds").asInt()).isPositive();
            assertThat(a.vms().get("c")).as("the VM left host A").isEmpty();
            System.out.printf("local disk, %s: total %.0f ms, downtime %.1f ms, %d disk blocks in %d rounds (%d "
                    + "bytes), %d bytes on the wire; downtime %s%n", strategy, report.path("total_time_ms").asDouble(),
                    report.path("downtime_ms").asDouble(), report.path("disk_blocks").asLong(),
                    report.path("disk_rounds").asInt(), report.path("disk_bytes").asLong(),
                    report.path("bytes_on_wire").asLong(), report.path("downtime_breakdown"));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Files.exists(disk) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(disk).as("host A deletes the disk in its disk directory that the VM took along")
                    .doesNotExist();

            awaitState(b, "c", "powered_off", Duration.ofMinutes(5));
            String console = get(b, "/v1/vms/c/console").body();
            Matcher after = MD5_AFTER.matcher(console);
            assertThat(after.find()).as(console).isTrue();
            assertThat(after.group(1)).as("the pattern read back from the target's disk").isEqualTo(md5);
            assertThat(console).contains("seq " + LINES);

            Path copy;
            try (Stream<Path> files = Files.list(b.storage().disks())) {
                copy = files.filter(p -> p.getFileName().toString().startsWith("c-disk0-")).findFirst().orElseThrow();
            }
            assertThat(HostTools.run("e2fsck", "-f", "-n", copy.toString())).as("e2fsck -f -n of the target's disk")
                    .isZero();
            String log = HostTools.output("debugfs", "-R", "cat /seq.log", copy.toString());
            String expected = IntStream.rangeClosed(1, LINES).mapToObj(Integer::toString)
                    .collect(Collectors.joining("\n", "", "\n"));
            assertThat(log).as("every number the guest synced, on both hosts, in order").isEqualTo(expected);
            Path pattern = Files.createTempFile("pattern", ".bin");
            try {
                assertThat(HostTools.run("debugfs", "-R", "dump /pattern " + pattern, copy.toString())).isZero();
                String hostMd5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                        .digest(Files.readAllBytes(pattern)));
                assertThat(hostMd5).as("the pattern in the target's disk file").isEqualTo(md5);
            } finally {
                Files.deleteIfExists(pattern);
            }
        }
    }

    private static String awaitConsole(FerryHost host, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String console = "";
        while (System.nanoTime() < deadline) {
            console = get(host, "/v1/vms/c/console").body();
            if (console.contains(text)) {
                return console;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the VM never printed '" + text + "':\n" + console);
    }
}
