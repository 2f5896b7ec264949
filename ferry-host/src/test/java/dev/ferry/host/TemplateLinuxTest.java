package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitConsole;
import static dev.ferry.host.TestHosts.awaitState;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.host.TemplateApiTest.QemuImg;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A template of a paused Linux VM with an ext2 disk, and two VMs started from it on two hosts that share the
 * template directory: each boots the template's kernel on its own overlay with its own MAC and address, writes its
 * own file, and sees neither the other's file nor any change of the base (hashed before and after); the overlays
 * pass {@code qemu-img check} and name the base as their backing file. A third VM resumes the saved state and its
 * counter goes on where the template's stopped. Needs the built Linux guest, {@code qemu-img} and {@code debugfs}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TemplateLinuxTest {

    private static final byte[] SECRET = new byte[32];
    private static final Duration BOOT = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    private FerryHost host(String name, Path images, Path templates) throws IOException {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, SECRET,
                new GuestImages(images), line -> { }, ControlSettings.of(TestHosts.TOKEN))
                .withStorage(new StorageDirs(tmp.resolve(name + "-disks"), templates)));
    }

    /** The guest command of a clone: report MAC and what it finds, then write its own name to the disk. */
    private static String cloneArgs(String who) {
        return "console=ttyS0 quiet ferry.run=mount_-t_ext2_/dev/vda_/mnt;echo_mac_$(cat_/sys/class/net/eth0/address);"
                + "test_-e_/mnt/who_&&_echo_SEEN_$(cat_/mnt/who);echo_" + who + ">/mnt/who;"
                + "echo_last_$(tail_-n1_/mnt/counter.log);umount_/mnt;sync;echo_clone_done";
    }

    @Test
    void twoVmsFromOneTemplateOnTwoHostsBootOnTheirOwnOverlaysAndLeaveTheBaseAsItWas() throws Exception {
        GuestImages built = new GuestImages(GuestFixtures.home().resolve("guests/build"));
        assumeTrue(built.linux().isPresent(), "the Linux guest is not built (guests/linux/build.sh)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")) && Files.isExecutable(Path.of("/usr/sbin/debugfs")),
                "needs qemu-img and debugfs");
        Path images = Files.createDirectories(tmp.resolve("images/linux"));
        Files.copy(built.linux().get().kernel(), images.resolve("Image"));
        Files.copy(built.linux().get().initrd(), images.resolve("initramfs.cpio.gz"));
        Path disk = tmp.resolve("images/src.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Path templates = tmp.resolve("templates");
        try (FerryHost a = host("A", images.getParent(), templates);
                FerryHost b = host("B", images.getParent(), templates)) {
            Answer src = postJson(a, "/v1/vms", Map.of("name", "src", "image", "linux", "mem", "128M",
                    "args", "console=ttyS0 quiet ferry.run=counter_0.1", "drives", List.of("file=src.img,format=raw"),
                    "ip", "10.77.0.10/24"));
            assertThat(src.status()).as(src.body()).isEqualTo(201);
            long boot0 = System.nanoTime();
            awaitConsole(a, "src", "counter 3", BOOT);
            System.out.printf("TemplateLinuxTest: the source VM booted and counted to 3 in %.1f s%n",
                    (System.nanoTime() - boot0) / 1e9);
            assertThat(post(a, "/v1/vms/src/pause", "").status()).isEqualTo(200);
            long t0 = System.nanoTime();
            Answer made = postJson(a, "/v1/templates", Map.of("name", "lin", "from", "src"));
            System.out.printf("TemplateLinuxTest: template made in %.0f ms: %s%n", (System.nanoTime() - t0) / 1e6,
                    made.body().replaceAll("\\s+", " "));
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            String last = lastCounter(get(a, "/v1/vms/src/console").body());
            assertThat(post(a, "/v1/vms/src/stop", "").status()).isEqualTo(200);
            Path base = templates.resolve("lin/disk0.qcow2");
            String baseHash = sha256(base);
            QemuImg.check(base);
            assertThat(QemuImg.info(base)).contains("file format: qcow2", "virtual size: 16 MiB");

            long clones0 = System.nanoTime();
            t0 = clones0;
            Answer one = postJson(a, "/v1/vms", Map.of("name", "one", "template", "lin", "ip", "10.77.0.11/24",
                    "args", cloneArgs("one")));
            double oneMs = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            Answer two = postJson(b, "/v1/vms", Map.of("name", "two", "template", "lin", "ip", "10.77.0.12/24",
                    "args", cloneArgs("two")));
            double twoMs = (System.nanoTime() - t0) / 1e6;
            System.out.printf("TemplateLinuxTest: VM one (host A) created and running in %.1f ms, VM two (host B) in "
                    + "%.1f ms%n", oneMs, twoMs);
            assertThat(one.status()).as(one.body()).isEqualTo(201);
            assertThat(two.status()).as(two.body()).isEqualTo(201);
            assertThat(Math.max(oneMs, twoMs)).as("creation until the VM runs").isLessThan(1000);
            assertThat(one.json().path("boot_args").asText()).contains("ip=10.77.0.11").doesNotContain("10.77.0.10");

            awaitState(a, "one", "powered_off", BOOT);
            awaitState(b, "two", "powered_off", BOOT);
            System.out.printf("TemplateLinuxTest: both VMs booted, wrote and powered off %.1f s after they were "
                    + "created%n", (System.nanoTime() - clones0) / 1e9);
            String c1 = get(a, "/v1/vms/one/console").body();
            String c2 = get(b, "/v1/vms/two/console").body();
            assertThat(c1).contains("clone done").doesNotContain("SEEN");
            assertThat(c2).contains("clone done").doesNotContain("SEEN");
            assertThat(line(c1, "last ")).as("the counter's file as the template left it, in both")
                    .isEqualTo(line(c2, "last ")).isIn(last, Integer.toString(Integer.parseInt(last) - 1));
            assertThat(line(c1, "mac ")).isEqualTo(HostNetwork.defaultMac("one")).isNotEqualTo(line(c2, "mac "));

            Path o1 = tmp.resolve("A-disks/one-disk0.qcow2");
            Path o2 = tmp.resolve("B-disks/two-disk0.qcow2");
            for (Path o : List.of(o1, o2)) {
                QemuImg.check(o);
                assertThat(QemuImg.info(o)).contains("backing file: " + base.toAbsolutePath(),
                        "backing file format: qcow2");
            }
            assertThat(fileOnDisk(o1, "/who")).isEqualTo("one\n");
            assertThat(fileOnDisk(o2, "/who")).isEqualTo("two\n");
            assertThat(sha256(base)).as("the base is unchanged").isEqualTo(baseHash);

            t0 = System.nanoTime();
            Answer resumed = postJson(a, "/v1/vms", Map.of("name", "again", "template", "lin", "resume", true));
            System.out.printf("TemplateLinuxTest: VM resumed from the template's state in %.1f ms%n",
                    (System.nanoTime() - t0) / 1e6);
            assertThat(resumed.status()).as(resumed.body()).isEqualTo(201);
            awaitConsole(a, "again", "counter " + (Integer.parseInt(last) + 1), BOOT);
        }
    }

    private static String lastCounter(String console) {
        String[] lines = console.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].matches("counter \\d+\\s*")) {
                return lines[i].trim().substring("counter ".length());
            }
        }
        throw new AssertionError("no counter line in:\n" + console);
    }

    private static String line(String console, String prefix) {
        for (String line : console.split("\n")) {
            if (line.startsWith(prefix)) {
                return line.trim().substring(prefix.length());
            }
        }
        throw new AssertionError("no line '" + prefix + "...' in:\n" + console);
    }

    private String fileOnDisk(Path overlay, String file) throws Exception {
        Path raw = tmp.resolve(overlay.getFileName() + ".raw");
        QemuImg.run("convert", "-f", "qcow2", "-O", "raw", overlay.toString(), raw.toString());
        Process p = new ProcessBuilder("debugfs", "-R", "cat " + file, raw.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
