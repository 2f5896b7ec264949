package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Linux VM running the guest's counter script ({@code /etc/ferry/counter}: prints {@code counter N} and appends
 * N to {@code counter.log} on its virtio-blk disk, with a sync, every 0.1 s) migrates between two host daemons with
 * every strategy in turn, A to B and back. Its console, kept across the moves, shows every number once and in
 * order; after the script powers the VM off, the disk file passes {@code e2fsck} and the log holds every number.
 * Both hosts confine files to the same image directory, which holds the disk: shared storage on one machine.
 */
class LinuxMigrationProcessTest extends TwoHostProcesses {

    private static final Pattern COUNTER = Pattern.compile("^counter (\\d+)$", Pattern.MULTILINE);
    /** Lines the counter prints before it powers the VM off. */
    private static final int COUNT = 60;
    /** New counter lines to see on a host before the VM moves on. */
    private static final int LINES_PER_HOST = 3;
    private static final String VM = "lin";

    private HostClient clientA;
    private HostClient clientB;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void counterContinuesAcrossEveryStrategyAndTheDiskIsIntact() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        GuestImages.LinuxGuest linux = new GuestImages(GuestFixtures.home().resolve("guests/build")).linux()
                .orElseThrow(() -> new IllegalStateException("the Linux guest is not built: run guests/linux/build.sh"));
        Files.createDirectories(images.resolve("linux"));
        Files.createSymbolicLink(images.resolve("linux/Image"), linux.kernel().toAbsolutePath());
        Files.createSymbolicLink(images.resolve("linux/initramfs.cpio.gz"), linux.initrd().toAbsolutePath());
        Path disk = images.resolve("counter.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        Path secret = HostProcess.secretFile(dir, "secret");
        a = HostProcess.start("A", secret, "--image-dir", images.toString());
        b = HostProcess.start("B", secret, "--image-dir", images.toString());
        clientA = new HostClient(a.control(), TokenFile.of(a.tokenFile()));
        clientB = new HostClient(b.control(), TokenFile.of(b.tokenFile()));

        a.postOk("/v1/vms", "{\"name\":\"" + VM + "\",\"image\":\"linux\",\"mem\":\"128M\","
                + "\"args\":\"console=ttyS0 quiet ferry.run=counter_0.1_" + COUNT + "\","
                + "\"drives\":[\"file=counter.img,format=raw\"]}");
        int seen = awaitCounter(clientA, 1, Duration.ofMinutes(10));
        String[] strategies = {"stopcopy", "precopy", "postcopy", "hybrid", "demand"};
        List<String> summary = new ArrayList<>();
        for (int i = 0; i < strategies.length; i++) {
            HostProcess from = i % 2 == 0 ? a : b;
            HostProcess to = i % 2 == 0 ? b : a;
            HostClient toClient = i % 2 == 0 ? clientB : clientA;
            String id = from.postOk("/v1/vms/" + VM + "/migrate", "{\"to\":\"" + to.control() + "\",\"strategy\":\""
                    + strategies[i] + "\",\"precopy_rounds\":1,\"demand_idle_push_ms\":500}").path("id").asText();
            JsonNode done = HostProcess.await(Duration.ofMinutes(2), "migration " + id, () -> {
                JsonNode s = from.poll("/v1/migrations/" + id);
                String phase = s.path("phase").asText();
                return phase.equals("completed") || phase.equals("failed") || phase.equals("cancelled") ? s : null;
            });
            assertThat(done.path("phase").asText()).as("%s migration: %s\nA: %s\nB: %s", strategies[i], done,
                    a.log(), b.log()).isEqualTo("completed");
            JsonNode report = done.path("report");
            summary.add(String.format("%-8s after counter %2d: total %.0f ms, downtime %.1f ms, %,d bytes",
                    strategies[i], seen, report.path("total_time_ms").asDouble(),
                    report.path("downtime_ms").asDouble(), report.path("bytes_on_wire").asLong()));
            assertThat(seen + LINES_PER_HOST).as("the counter still has lines to print").isLessThan(COUNT);
            seen = awaitCounter(toClient, seen + LINES_PER_HOST, Duration.ofMinutes(5));
        }
        summary.forEach(System.out::println);
        HostProcess last = b;
        HostProcess.await(Duration.ofMinutes(5), "the counter powers the VM off", () -> {
            String state = last.poll("/v1/vms/" + VM).path("state").asText();
            return state.equals("powered_off") ? state : null;
        });

        String console = console(clientB);
        List<Integer> numbers = new ArrayList<>();
        Matcher m = COUNTER.matcher(console);
        while (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
        }
        List<Integer> expected = new ArrayList<>();
        for (int n = 1; n <= COUNT; n++) {
            expected.add(n);
        }
        assertThat(numbers).as("counter lines on the console, kept across five migrations:\n%s", console)
                .isEqualTo(expected);
        assertThat(console).contains("counter start 0 file /mnt/counter.log", "counter done " + COUNT);

        assertThat(run("e2fsck", "-f", "-n", disk.toString()).exit()).as("e2fsck -f -n of the disk").isZero();
        Result log = run("debugfs", "-R", "cat /counter.log", disk.toString());
        StringBuilder lines = new StringBuilder();
        expected.forEach(n -> lines.append(n).append('\n'));
        assertThat(log.out()).as("counter.log on the disk").isEqualTo(lines.toString());
    }

    /** Waits until {@code host}'s console of the VM shows {@code counter N} for some N at least {@code n}. */
    private int awaitCounter(HostClient host, int n, Duration timeout) throws InterruptedException {
        return HostProcess.await(timeout, "counter " + n + " on " + host.address(), () -> {
            int last = 0;
            Matcher m = COUNTER.matcher(console(host));
            while (m.find()) {
                last = Integer.parseInt(m.group(1));
            }
            return last >= n ? last : null;
        });
    }

    /** The VM's console as the host keeps it (with what it printed on earlier hosts), carriage returns dropped. */
    private static String console(HostClient host) {
        HttpResponse<byte[]> r = host.getBytes("/v1/vms/" + VM + "/console?offset=0&max=1048576",
                Duration.ofSeconds(10));
        return new String(r.body(), StandardCharsets.UTF_8).replace("\r", "");
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ends", command[0]).isTrue();
        return new Result(p.exitValue(), out);
    }
}
