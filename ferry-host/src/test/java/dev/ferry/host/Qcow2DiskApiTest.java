package dev.ferry.host;

import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A VM on a qcow2 disk from the host's image directory runs; it may not migrate while the image is writable. */
class Qcow2DiskApiTest {

    @TempDir
    Path images;

    @Test
    void aVmOnAWritableQcow2DiskRunsButIsNotMigrated() throws Exception {
        Files.copy(GuestFixtures.images().buildDir().resolve("idle.elf"), images.resolve("idle.elf"));
        Qcow2Image.create(images.resolve("d.qcow2"), 1 << 20);
        byte[] secret = new byte[32];
        secret[0] = 42;
        try (FerryHost a = FerryHost.start(new HostConfig("A", new InetSocketAddress("127.0.0.1", 0), null, secret,
                new GuestImages(images), line -> { }, ControlSettings.of(TestHosts.TOKEN)));
                FerryHost b = TestHosts.start("B")) {
            Answer created = postJson(a, "/v1/vms", Map.of("name", "q", "image", "idle",
                    "drives", List.of("file=d.qcow2,format=qcow2")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            Answer bad = postJson(a, "/v1/vms", Map.of("name", "r", "image", "idle",
                    "drives", List.of("file=idle.elf,format=qcow2")));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("error").asText()).contains("qcow2");

            Answer migrate = postJson(a, "/v1/vms/q/migrate", Map.of("to",
                    TestHosts.base(b).substring("http://".length())));
            assertThat(migrate.status()).isEqualTo(409);
            assertThat(migrate.json().path("error").asText()).contains("writable qcow2 disk", "d.qcow2");
            assertThat(a.vms().get("q")).isPresent();
        }
    }
}
