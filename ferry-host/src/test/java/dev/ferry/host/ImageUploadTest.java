package dev.ferry.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.GuestFixtures;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Images a client uploads are checked, named by content, and bootable like built-in ones. */
class ImageUploadTest {

    private FerryHost host;

    @BeforeEach
    void start() throws Exception {
        host = TestHosts.start("A");
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private Answer upload(String name, byte[] bytes) {
        return TestHosts.send(HttpRequest.newBuilder(URI.create(TestHosts.base(host) + "/v1/images?name=" + name))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    @Test
    void anUploadedImageBootsAndIsNamedByItsContent() throws Exception {
        byte[] hello = Files.readAllBytes(GuestFixtures.images().buildDir().resolve("hello.elf"));
        Answer first = upload("my%20hello.elf", hello);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        String image = first.json().path("image").asText();
        assertThat(image).matches("my_hello\\.elf@[0-9a-f]{12}");
        assertThat(first.json().path("bytes").asLong()).isEqualTo(hello.length);
        assertThat(upload("my%20hello.elf", hello).json().path("image").asText()).isEqualTo(image);

        Answer created = TestHosts.postJson(host, "/v1/vms", Map.of("name", "h", "image", image));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("image").asText()).isEqualTo(image);
        TestHosts.awaitState(host, "h", "powered_off", Duration.ofSeconds(20));
        assertThat(TestHosts.get(host, "/v1/vms/h/console").body()).startsWith("Hello");
        JsonNode list = TestHosts.get(host, "/v1/images").json();
        assertThat(list.path("uploaded").get(0).asText()).isEqualTo(image);
        assertThat(list.path("built_in").toString()).contains("\"hello\"");
    }

    @Test
    void aClientThatWaitsForContinueGetsItOnceItsRequestIsAccepted() throws Exception {
        byte[] hello = Files.readAllBytes(GuestFixtures.images().buildDir().resolve("hello.elf"));
        try (Socket s = new Socket(host.controlAddress().getAddress(), host.controlAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/images?name=hello.elf HTTP/1.1\r\nAuthorization: " + TestHosts.TOKEN.authorization()
                    + "\r\nExpect: 100-continue\r\nContent-Length: " + hello.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] interim = in.readNBytes("HTTP/1.1 100 Continue\r\n\r\n".length());
            assertThat(new String(interim, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            out.write(hello);
            out.flush();
            String reply = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 201 ").contains("\"image\":\"hello.elf@");
        }
    }

    @Test
    void badUploadsAreRefusedClearly() {
        Answer text = upload("notes.txt", "just text".getBytes());
        assertThat(text.status()).isEqualTo(400);
        assertThat(text.json().path("code").asText()).isEqualTo("bad_image");
        assertThat(text.json().path("error").asText()).startsWith("image: notes.txt@").endsWith(": not an ELF file");
        assertThat(upload("x", new byte[0]).status()).isEqualTo(400);
        Answer unknown = TestHosts.postJson(host, "/v1/vms", Map.of("name", "u", "image", "gone.elf@0123456789ab"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("error").asText()).startsWith("image: no uploaded image 'gone.elf@0123456789ab'");
        assertThat(host.images().uploaded()).isEmpty();
    }
}
