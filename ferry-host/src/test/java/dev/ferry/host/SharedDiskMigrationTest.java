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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Linux VM whose disk is an export of a real NBD server (Debian's {@code nbdkit}, the shared storage both hosts
 * reach) migrates while it writes: the disk is not copied, the target opens its own connection, and after the VM
 * powers off on the target the export holds a clean ext2 file system with every number the guest wrote. Needs
 * {@code nbdkit}, {@code e2fsck}, {@code debugfs} and the built Linux guest; skipped otherwise.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class SharedDiskMigrationTest {

    private static final int LINES = 40;

    @TempDir
    Path tmp;

    @Test
    void aVmOnAnNbdDiskMovesWithoutCopyingItAndLosesNoWrite() throws Exception {
        assumeTrue(NbdServerProcess.installed("nbdkit") && NbdServerProcess.installed("e2fsck")
                && NbdServerProcess.installed("debugfs"), "needs nbdkit, e2fsck and debugfs");
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
        Path disk = tmp.resolve("shared.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        try (NbdServerProcess nbd = NbdServerProcess.nbdkit(tmp, "file", disk.toString());
                FerryHost a = TestHosts.start("A"); FerryHost b = TestHosts.start("B")) {
            String drive = "nbd://127.0.0.1:" + nbd.port() + "/";
            Answer created = postJson(a, "/v1/vms", Map.of("name", "c", "image", "linux", "mem", "128M",
                    "args", "console=ttyS0 quiet ferry.run=counter_0.2_" + LINES, "drives", List.of(drive)));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            TestHosts.awaitConsole(a, "c", "counter 5", Duration.ofMinutes(5));

            Answer started = postJson(a, "/v1/vms/c/migrate", Map.of("to",
                    TestHosts.base(b).substring("http://".length()), "strategy", "precopy"));
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            JsonNode done = awaitDone(a, started.json().path("id").asText());
            assertThat(done.path("report").path("success").asBoolean()).as(done.toString()).isTrue();
            assertThat(done.path("report").path("bytes_on_wire").asLong()).as("only memory moves, not the 16 MiB disk")
                    .isLessThan(128L << 20);

            awaitState(b, "c", "powered_off", Duration.ofMinutes(5));
            assertThat(get(b, "/v1/vms/c/console").body()).contains("counter done " + LINES);
        }
        assertThat(HostTools.run("e2fsck", "-f", "-n", disk.toString())).as("e2fsck -f -n of the export's file")
                .isZero();
        String log = HostTools.output("debugfs", "-R", "cat /counter.log", disk.toString());
        String expected = IntStream.rangeClosed(1, LINES).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(log).as("every number the guest wrote, on both hosts, in order").isEqualTo(expected);
    }
}
