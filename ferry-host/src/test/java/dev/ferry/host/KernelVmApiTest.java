package dev.ferry.host;

import static dev.ferry.host.TestHosts.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.machine.image.GuestImages;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/vms} with a kernel, firmware, disks and network interfaces: files come from the host's image
 * directory only, and each bad field is one error naming it.
 */
class KernelVmApiTest {

    @TempDir
    Path images;

    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        byte[] secret = new byte[32];
        host = FerryHost.start(new dev.ferry.host.HostConfig("K", new InetSocketAddress("127.0.0.1", 0), null, secret,
                new GuestImages(images), new CopyOnWriteArrayList<String>()::add,
                ControlSettings.of(TestHosts.TOKEN)));
        Files.write(images.resolve("Image"), poweringOffImage());
        Files.writeString(images.resolve("notes.txt"), "x".repeat(100));
        Files.write(images.resolve("disk.img"), new byte[4096]);
        Files.write(images.resolve("odd.img"), new byte[700]);
    }

    @AfterEach
    void stop() {
        host.close();
    }

    /** A Linux Image that writes 0x5555 to the finisher: powers off when entered at the start of RAM. */
    static byte[] poweringOffImage() {
        ByteBuffer b = ByteBuffer.allocate(64 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x001002b7).putInt(0x00005337).putInt(0x0380006f).putInt(0);
        b.putLong(0).putLong(0).putInt(2).putInt(0).putLong(0).putLong(0x5643534952L).putInt(0x05435352).putInt(0);
        b.putInt(0x55530313).putInt(0x0062a023).putInt(0x0000006f).putInt(0);
        return b.array();
    }

    /** A Linux Image that echoes 5000 console bytes (polling the UART's LSR) and then powers off. */
    static byte[] echoingImage() {
        int[] code = {0x100002b7, 0x001003b7, 0x00001e37, 0x388e0e13, 0x0052c303, 0x00137313, 0xfe030ce3, 0x0002c303,
            0x0052ce83, 0x020efe93, 0xfe0e8ce3, 0x00628023, 0xfffe0e13, 0xfc0e1ee3, 0x00005337, 0x55530313, 0x0063a023,
            0x0000006f};
        ByteBuffer b = ByteBuffer.allocate(64 + 4 * code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x0400006f).putInt(0).putLong(0).putLong(0).putLong(0).putInt(2).putInt(0).putLong(0)
                .putLong(0x5643534952L).putInt(0x05435352).putInt(0);
        for (int w : code) {
            b.putInt(w);
        }
        return b.array();
    }

    @Test
    void consoleInputLargerThanTheUartBufferArrivesWhole() throws Exception {
        Files.write(images.resolve("echo.Image"), echoingImage());
        TestHosts.Answer a = post(host, "/v1/vms", "{\"name\":\"e1\",\"kernel\":\"echo.Image\",\"bios\":\"none\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        byte[] input = new byte[5000];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) ('a' + i % 26);
        }
        TestHosts.Answer fed = TestHosts.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(TestHosts.base(host) + "/v1/vms/e1/console"))
                .header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(input)));
        assertThat(fed.status()).as(fed.body()).isEqualTo(200);
        assertThat(fed.json().path("accepted").asInt()).isEqualTo(input.length);
        TestHosts.awaitState(host, "e1", "powered_off", Duration.ofSeconds(30));
        assertThat(TestHosts.get(host, "/v1/vms/e1/console").body())
                .isEqualTo(new String(input, java.nio.charset.StandardCharsets.US_ASCII));
    }

    private JsonNode error(String body, int status, String code) {
        TestHosts.Answer a = post(host, "/v1/vms", body);
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        JsonNode json = a.json();
        assertThat(json.path("code").asText()).as(a.body()).isEqualTo(code);
        return json;
    }

    @Test
    void aKernelFromTheImageDirectoryBootsWithItsDisksAndNics() throws Exception {
        TestHosts.Answer a = post(host, "/v1/vms", "{\"name\":\"k1\",\"kernel\":\"Image\",\"bios\":\"none\","
                + "\"deterministic\":true,\"max_instructions\":100000,\"drives\":[\"file=disk.img,format=raw\"],"
                + "\"nics\":\"none,mac=52:54:00:00:00:09\",\"rng\":true}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        JsonNode vm = TestHosts.awaitState(host, "k1", "powered_off", Duration.ofSeconds(20));
        assertThat(vm.path("exit_code").asInt()).isZero();
        assertThat(vm.path("instructions").asLong()).isEqualTo(5);
        assertThat(vm.path("image").asText()).isEqualTo("Image");
        var config = host.vm("k1").runner().machine().config();
        assertThat(config.mrom()).isTrue();
        assertThat(config.rng()).isTrue();
        assertThat(config.drives()).singleElement().satisfies(d -> assertThat(d.file()).isEqualTo(
                images.toRealPath().resolve("disk.img")));
        assertThat(config.nics()).singleElement().satisfies(n -> assertThat(n.mac()).isEqualTo("52:54:00:00:00:09"));
    }

    @Test
    void theBuiltInLinuxGuestBootsItsKernelAndInitramfsWithQemusDefaults() throws Exception {
        Files.createDirectories(images.resolve("linux"));
        Files.write(images.resolve("linux/Image"), poweringOffImage());
        Files.write(images.resolve("linux/initramfs.cpio.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        assertThat(TestHosts.get(host, "/v1/images").body()).contains("\"linux\"");
        TestHosts.Answer a = post(host, "/v1/vms", "{\"name\":\"l1\",\"image\":\"linux\",\"bios\":\"none\","
                + "\"deterministic\":true,\"max_instructions\":100000}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        JsonNode vm = TestHosts.awaitState(host, "l1", "powered_off", Duration.ofSeconds(20));
        assertThat(vm.path("boot_args").asText()).isEqualTo("console=ttyS0");
        assertThat(vm.path("ram_bytes").asLong()).isEqualTo(256L << 20);
        assertThat(vm.path("image").asText()).isEqualTo("linux");
        var m = host.vm("l1").runner().machine();
        assertThat(m.memory().load32(0x8000_0000L + 128L * 1024 * 1024)).as("initramfs at RAM start + 128 MiB")
                .isEqualTo(0x00088b1f);
    }

    @Test
    void filesOutsideTheImageDirectoryAreRefused() {
        assertThat(error("{\"name\":\"k\",\"kernel\":\"/etc/passwd\"}", 400, "bad_image").path("error").asText())
                .isEqualTo("kernel '/etc/passwd' is not a file in this host's image directory");
        assertThat(error("{\"name\":\"k\",\"kernel\":\"Image\",\"initrd\":\"../x\"}", 400, "bad_image")
                .path("error").asText()).isEqualTo("initrd '../x' is not a file in this host's image directory");
        assertThat(error("{\"name\":\"k\",\"kernel\":\"Image\",\"drives\":\"file=/etc/passwd,readonly=on\"}", 400,
                "bad_request").path("error").asText())
                .isEqualTo("drives: drive '/etc/passwd' is not a file in this host's image directory or disk "
                        + "directory");
    }

    @Test
    void badKernelsDrivesNicsAndCombinationsGetOneErrorEach() throws Exception {
        Path notes = images.toRealPath().resolve("notes.txt");
        assertThat(error("{\"name\":\"k\",\"kernel\":\"notes.txt\"}", 400, "bad_image").path("error").asText())
                .startsWith("kernel " + notes + ": not a RISC-V kernel");
        assertThat(error("{\"name\":\"k\",\"kernel\":\"Image\",\"drives\":\"file=odd.img\"}", 400, "bad_request")
                .path("error").asText()).isEqualTo("drives: drive " + images.toRealPath().resolve("odd.img")
                        + ": 700 bytes is not a multiple of 512 (a raw disk image holds whole sectors)");
        assertThat(error("{\"name\":\"k\",\"kernel\":\"Image\",\"nics\":\"tap:t0,mac=ff:ff:ff:ff:ff:ff\"}", 400,
                "bad_request").path("error").asText()).contains("is a multicast address");
        assertThat(error("{\"name\":\"k\",\"image\":\"hello\",\"kernel\":\"Image\"}", 400, "bad_request")
                .path("error").asText()).isEqualTo("image and kernel exclude each other: give one thing to boot");
        assertThat(error("{\"name\":\"k\",\"image\":\"linux\"}", 400, "bad_image").path("error").asText())
                .startsWith("the Linux guest is not built on this host");
        assertThat(host.vms().all()).isEmpty();
    }
}
