package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.storage.nbd.NbdServerProcess;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage that fails under a running Linux guest: the guest's writes fail with I/O errors, the host and its other
 * VMs carry on, and, for an NBD export, writes succeed again once the server is back. The guest runs
 * {@code blkprobe}, which writes and fsyncs a chunk of its disk every 0.1 s and prints each outcome.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StorageFaultsTest {

    private static final Pattern RESULT = Pattern.compile("(?m)^io (ok|error) (\\d+)");

    @TempDir
    Path tmp;

    private static void needLinux() {
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
    }

    @Test
    void anNbdServerThatStopsGivesTheGuestIoErrorsAndIoResumesWhenItReturns() throws Exception {
        needLinux();
        assumeTrue(NbdServerProcess.installed("nbdkit"), "needs nbdkit");
        Path disk = tmp.resolve("shared.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        try (NbdServerProcess nbd = NbdServerProcess.nbdkit(tmp, "file", disk.toString());
                FerryHost a = TestHosts.start("A")) {
            startProbe(a, "nbd://127.0.0.1:" + nbd.port() + "/", 4);
            startBystander(a);
            int firstOk = awaitResult(a, "ok", 0);

            nbd.kill();
            int firstError = awaitResult(a, "error", firstOk);
            assertHealthy(a);

            nbd.start();
            int okAgain = awaitResult(a, "ok", firstError);
            assertThat(okAgain).as("a write after the server came back succeeds").isGreaterThan(firstError);
            assertHealthy(a);
        }
    }

    @Test
    void aFullLocalFileSystemGivesTheGuestIoErrorsAndNothingElseBreaks() throws Exception {
        needLinux();
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        Path small = tmp.resolve("small");
        Files.createDirectories(small);
        assertThat(HostTools.run("mount", "-t", "tmpfs", "-o", "size=2m", "ferry-test-full", small.toString())).isZero();
        try {
            Path disks = small.resolve("disks");
            try (FerryHost a = FerryHost.start(new HostConfig("A", new InetSocketAddress("127.0.0.1", 0), null,
                    new byte[32], GuestFixtures.images(), line -> { }, ControlSettings.of(TestHosts.TOKEN))
                    .withStorage(new StorageDirs(disks, tmp.resolve("templates"))))) {
                Path disk = disks.resolve("big.img");
                try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                    f.setLength(32L << 20);
                }
                startProbe(a, "file=" + disk + ",format=raw", 256);
                startBystander(a);
                int firstError = awaitResult(a, "error", 0);
                assertThat(firstError).as("writes succeed until the 2 MiB file system is full").isPositive();
                assertHealthy(a);
            }
        } finally {
            HostTools.run("umount", small.toString());
        }
    }

    private static void startProbe(FerryHost host, String drive, int kib) {
        Answer created = postJson(host, "/v1/vms", Map.of("name", "p", "image", "linux", "mem", "128M",
                "args", "console=ttyS0 quiet ferry.run=blkprobe_0.1_" + kib, "drives", List.of(drive)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    /** Another VM on the host, which must keep running whatever happens to the probe's disk. */
    private static void startBystander(FerryHost host) {
        Answer created = postJson(host, "/v1/vms", Map.of("name", "o", "image", "munch", "mem", "32M",
                "args", "wss=1M passes=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    /** The host answers, the probe VM runs, and the bystander VM makes progress. */
    private static void assertHealthy(FerryHost host) throws Exception {
        assertThat(get(host, "/v1/host").status()).isEqualTo(200);
        assertThat(get(host, "/v1/vms/p").json().path("state").asText()).isEqualTo("running");
        long before = get(host, "/v1/vms/o").json().path("instructions").asLong();
        Thread.sleep(300);
        assertThat(get(host, "/v1/vms/o").json().path("instructions").asLong()).as("the other VM runs on")
                .isGreaterThan(before);
    }

    /** Waits for a write with outcome {@code outcome} numbered above {@code after}; returns its number. */
    private static int awaitResult(FerryHost host, String outcome, int after) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        String console = "";
        while (System.nanoTime() < deadline) {
            console = get(host, "/v1/vms/p/console").body();
            Matcher m = RESULT.matcher(console);
            while (m.find()) {
                int n = Integer.parseInt(m.group(2));
                if (m.group(1).equals(outcome) && n >= after) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the guest never reported 'io " + outcome + "' after write " + after + ":\n"
                + console.substring(Math.max(0, console.length() - 3000)));
    }
}
