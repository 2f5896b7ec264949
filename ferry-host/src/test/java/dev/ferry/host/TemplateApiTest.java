package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Templates through the control API with a bare-metal VM and a raw disk (fast): two hosts share the template
 * directory and see the same templates; the base holds the disk's contents with zero clusters left out and passes
 * {@code qemu-img check}; bad names, unknown and broken templates, clashes and deletes of a template in use are
 * refused, and failures leave nothing behind.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TemplateApiTest {

    private static final byte[] SECRET = new byte[32];

    @TempDir
    Path tmp;

    private FerryHost host(String name, Path images, Path templates, List<String> log) throws IOException {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, SECRET,
                new GuestImages(images), log::add, ControlSettings.of(TestHosts.TOKEN))
                .withStorage(new StorageDirs(tmp.resolve(name + "-disks"), templates)));
    }

    private static Answer delete(FerryHost host, String path) {
        return TestHosts.send(HttpRequest.newBuilder(URI.create(TestHosts.base(host) + path)).DELETE());
    }

    @Test
    void hostsSharingTheDirectorySeeOneTemplateAndBadRequestsLeaveNothingBehind() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path templates = tmp.resolve("templates");
        Files.copy(GuestFixtures.images().buildDir().resolve("idle.elf"), images.resolve("idle.elf"));
        Path disk = images.resolve("d.img");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(8L << 20);
            f.seek(3L << 20);
            f.write(data);
        }
        List<String> logA = new CopyOnWriteArrayList<>();
        List<String> logB = new CopyOnWriteArrayList<>();
        try (FerryHost a = host("A", images, templates, logA);
                FerryHost b = host("B", images, templates, logB)) {
            Answer created = postJson(a, "/v1/vms", Map.of("name", "src", "image", "idle",
                    "drives", List.of("file=d.img,format=raw")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);

            Answer running = postJson(a, "/v1/templates", Map.of("name", "t", "from", "src"));
            assertThat(running.status()).as(running.body()).isEqualTo(409);
            assertThat(running.json().path("error").asText()).contains("pause it first");
            for (String bad : List.of("../x", "a/b", "a..b", ".hidden", "")) {
                Answer r = postJson(a, "/v1/templates", Map.of("name", bad, "from", "src"));
                assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
            }
            assertThat(postJson(a, "/v1/templates", Map.of("name", "t", "from", "nope")).status()).isEqualTo(404);

            assertThat(post(a, "/v1/vms/src/pause", "").status()).isEqualTo(200);
            Answer made = postJson(a, "/v1/templates", Map.of("name", "t", "from", "src"));
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            assertThat(made.json().path("disks").get(0).path("data_bytes").asLong())
                    .as("only the 1 MiB written is allocated").isEqualTo(1L << 20);
            assertThat(made.json().path("state").asText()).isEqualTo("state.ferry");
            assertThat(logA).anyMatch(l -> l.contains("template t created from VM src"));
            assertThat(postJson(a, "/v1/templates", Map.of("name", "t", "from", "src")).status()).isEqualTo(409);
            Path base = templates.resolve("t/disk0.qcow2");
            assertThat(QemuImg.check(base)).isZero();
            Path flat = tmp.resolve("flat.raw");
            QemuImg.run("convert", "-f", "qcow2", "-O", "raw", base.toString(), flat.toString());
            assertThat(Files.mismatch(flat, disk)).as("the base holds the disk's contents").isEqualTo(-1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(base))).as("the base is read-only")
                    .isEqualTo("r--r--r--");

            Answer listed = get(b, "/v1/templates");
            assertThat(listed.json().path("templates").get(0).path("name").asText()).isEqualTo("t");
            assertThat(listed.json().path("templates").get(0).path("template").path("source_vm").asText())
                    .isEqualTo("src");
            assertThat(get(b, "/v1/templates/t").status()).isEqualTo(200);
            assertThat(get(b, "/v1/templates/nope").status()).isEqualTo(404);
            assertThat(get(b, "/v1/templates/a..b").status()).isEqualTo(400);

            long t0 = System.nanoTime();
            Answer clone = postJson(b, "/v1/vms", Map.of("name", "c", "template", "t"));
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf("TemplateApiTest: VM from template created and running in %.1f ms%n", ms);
            assertThat(clone.status()).as(clone.body()).isEqualTo(201);
            assertThat(clone.json().path("state").asText()).isEqualTo("running");
            Path overlay = tmp.resolve("B-disks/c-disk0.qcow2");
            assertThat(overlay).exists();
            assertThat(QemuImg.info(overlay)).contains("backing file: " + base.toAbsolutePath(),
                    "backing file format: qcow2");
            assertThat(postJson(b, "/v1/vms", Map.of("name", "c", "template", "t")).status()).isEqualTo(409);
            assertThat(postJson(b, "/v1/vms", Map.of("name", "x", "template", "nope")).status()).isEqualTo(404);
            assertThat(postJson(b, "/v1/vms", Map.of("name", "x", "template", "t", "image", "idle")).status())
                    .isEqualTo(400);
            assertThat(postJson(b, "/v1/vms", Map.of("name", "x", "template", "../t")).status()).isEqualTo(400);
            t0 = System.nanoTime();
            Answer resumed = postJson(b, "/v1/vms", Map.of("name", "r", "template", "t", "resume", true));
            System.out.printf("TemplateApiTest: VM resumed from template in %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            assertThat(resumed.status()).as(resumed.body()).isEqualTo(201);
            logB.stream().filter(l -> l.contains("from template")).forEach(System.out::println);

            Answer inUse = delete(b, "/v1/templates/t");
            assertThat(inUse.status()).as(inUse.body()).isEqualTo(409);
            assertThat(inUse.json().path("error").asText()).contains("in use by VMs c, r");

            Files.createDirectories(templates.resolve("broken"));
            Files.writeString(templates.resolve("broken/template.json"), "{\"format_version\": 1, \"name\": ");
            Files.createDirectories(templates.resolve("empty"));
            for (String broken : List.of("broken", "empty")) {
                Answer show = get(b, "/v1/templates/" + broken);
                assertThat(show.status()).as(show.body()).isEqualTo(409);
                assertThat(show.json().path("code").asText()).isEqualTo("bad_template");
                assertThat(show.json().path("error").asText()).contains("template '" + broken + "' cannot be used");
                Answer vm = postJson(b, "/v1/vms", Map.of("name", "y", "template", broken));
                assertThat(vm.status()).isEqualTo(409);
            }
            assertThat(get(b, "/v1/templates").json().path("templates").toString()).contains("template.json");
            Files.createFile(tmp.resolve("B-disks/z-disk0.qcow2"));
            Answer clash = postJson(b, "/v1/vms", Map.of("name", "z", "template", "t"));
            assertThat(clash.status()).isEqualTo(409);
            assertThat(clash.json().path("error").asText()).contains("z-disk0.qcow2 exists already");
            assertThat(get(b, "/v1/vms/y").status()).isEqualTo(404);
            assertThat(get(b, "/v1/vms/z").status()).isEqualTo(404);
            try (Stream<Path> left = Files.list(tmp.resolve("B-disks"))) {
                assertThat(left.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("c-disk0.qcow2", "r-disk0.qcow2", "z-disk0.qcow2");
            }

            Files.delete(images.resolve("idle.elf"));
            Answer failed = postJson(a, "/v1/templates", Map.of("name", "t2", "from", "src"));
            assertThat(failed.status()).as(failed.body()).isEqualTo(500);
            try (Stream<Path> left = Files.list(templates)) {
                assertThat(left.map(p -> p.getFileName().toString()))
                        .as("a failed template leaves nothing").containsExactlyInAnyOrder("t", "broken", "empty");
            }

            assertThat(delete(b, "/v1/vms/c").status()).isEqualTo(200);
            assertThat(delete(b, "/v1/vms/r").status()).isEqualTo(200);
            assertThat(overlay).as("a stopped VM's overlay is removed").doesNotExist();
            Answer deleted = delete(b, "/v1/templates/t");
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            assertThat(get(a, "/v1/templates/t").status()).isEqualTo(404);
            assertThat(templates.resolve("t")).doesNotExist();
        }
    }

    /** Debian's {@code qemu-img}, which the images must satisfy. */
    static final class QemuImg {
        private QemuImg() {
        }

        static int check(Path image) throws Exception {
            Process p = new ProcessBuilder("qemu-img", "check", image.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("qemu-img check " + image).contains("No errors were found");
            return p.exitValue();
        }

        static String info(Path image) throws Exception {
            return run("info", image.toString());
        }

        static String run(String... args) throws Exception {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "needs qemu-img");
            String[] cmd = new String[args.length + 1];
            cmd[0] = "qemu-img";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
            return out;
        }
    }
}
