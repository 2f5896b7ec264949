package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.auth.ApiToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Huge image files cost a host neither memory nor time: a 3 GB file is refused by its size, a 1.5 GB file that
 * is not an ELF by its first bytes, an upload that is too large by its announced length; each answers a clear
 * 400 or 413 within a second or two, and the host's resident memory stays where it was.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HugeImageProcessTest extends TwoHostProcesses {

    private static final long MIB = 1 << 20;

    /** An rv64 ELF header with one PT_LOAD segment of {@code size - 4096} bytes, sparse on disk. */
    private static Path sparseElf(Path file, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 + 56).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1).putLong(0x8000_0000L).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(4096).putLong(0x8000_0000L).putLong(0x8000_0000L).putLong(size - 4096)
                .putLong(size - 4096).putLong(4096);
        return sparse(file, b.array(), size);
    }

    private static Path sparse(Path file, byte[] head, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(head);
            f.setLength(size);
        }
        return file;
    }

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private JsonNode refused(String json, int status) throws Exception {
        long t0 = System.nanoTime();
        HostProcess.Answer answer = a.post("/v1/vms", json);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to answer").isLessThan(3000);
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(status);
        return answer.body();
    }

    /** Announces an upload of {@code length} bytes without sending them: the host answers 413 at once. */
    private void uploadTooLarge(long length) throws IOException {
        try (Socket s = new Socket(a.control().split(":")[0], Integer.parseInt(a.control().split(":")[1]))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /v1/images?name=huge.elf HTTP/1.1\r\nAuthorization: "
                    + ApiToken.read(a.tokenFile()).authorization() + "\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 413 ").contains("\"code\":\"payload_too_large\"");
        }
    }

    @Test
    void hugeImagesAreRefusedFastWithoutMemory() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        sparseElf(images.resolve("huge.elf"), 3L << 30);
        sparse(images.resolve("big.elf"), "not an ELF at all".getBytes(StandardCharsets.US_ASCII), 1536 * MIB);
        sparse(images.resolve("small.elf"), "not an ELF either".getBytes(StandardCharsets.US_ASCII), 4096);
        sparseElf(images.resolve("medium.elf"), 512 * MIB);
        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret"), "--image-dir", images.toString());
        for (int i = 0; i < 20; i++) {
            refused("{\"name\":\"s\",\"image\":\"small.elf\"}", 400);
            refused("{\"name\":\"m\",\"image\":\"medium.elf\"}", 400);
            uploadTooLarge(2 * ControlSettings.DEFAULT_MAX_IMAGE_BYTES);
        }
        long before = rssBytes(a.pid());

        JsonNode huge = refused("{\"name\":\"h\",\"image\":\"huge.elf\"}", 400);
        assertThat(huge.path("code").asText()).isEqualTo("bad_image");
        assertThat(huge.path("error").asText()).endsWith("the file is 3.0 GiB, larger than the 128.0 MiB of RAM it "
                + "would load into");
        JsonNode big = refused("{\"name\":\"b\",\"image\":\"big.elf\",\"mem\":\"2G\"}", 400);
        assertThat(big.path("error").asText()).endsWith("big.elf: not an ELF file");

        uploadTooLarge(3L << 30);

        assertThat(rssBytes(a.pid()) - before).as("RSS growth").isLessThan(64 * MIB);
        assertThat(a.get("/v1/vms").path("vms")).isEmpty();
        assertThat(a.get("/v1/host").path("name").asText()).isEqualTo("A");
    }

    @Test
    void theCommandLineRefusesAHugeLocalImageBeforeUploadingIt() throws Exception {
        Path huge = sparseElf(dir.resolve("local-huge.elf"), 3L << 30);
        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream realErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        long t0 = System.nanoTime();
        try {
            status = Main.commandLine().execute("vm", "create", "--host", a.control(), "--token-file",
                    a.tokenFile().toString(), "--name", "h", "--image", huge.toString());
        } finally {
            System.setErr(realErr);
        }
        assertThat(status).isEqualTo(2);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
        assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("ferry: " + huge
                + ": the file is 3.0 GiB, larger than the 128.0 MiB of RAM it would load into");
        assertThat(a.get("/v1/images").path("uploaded")).isEmpty();
    }
}
