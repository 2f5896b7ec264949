package dev.ferry.host.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedSecretTest {

    @TempDir
    Path dir;

    /** Writes {@code text} to a new file with {@code mode}. */
    private Path file(String name, String text, String mode) throws IOException {
        Path f = Files.writeString(dir.resolve(name), text);
        return Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    }

    @Test
    void createsA32ByteHexSecretReadableOnlyByItsOwner() throws IOException {
        Path file = dir.resolve("config/ferry/secret");
        byte[] secret = SharedSecret.loadOrCreate(file);
        assertThat(secret).hasSize(32);
        assertThat(Files.readString(file).strip()).isEqualTo(HexFormat.of().formatHex(secret));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(SharedSecret.loadOrCreate(file)).isEqualTo(secret);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void hostsStartingAtOnceEndWithTheSameSecret() throws Exception {
        Path file = dir.resolve("ferry/secret");
        int n = 16;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return SharedSecret.loadOrCreate(file);
                }));
            }
            go.countDown();
            byte[] first = results.get(0).get();
            for (Future<byte[]> r : results) {
                assertThat(r.get()).isEqualTo(first);
            }
            assertThat(SharedSecret.read(file)).isEqualTo(first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsAFileThatIsNotASecret() throws IOException {
        Path file = file("secret", "not hex at all\n", "rw-------");
        assertThatThrownBy(() -> SharedSecret.loadOrCreate(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a Ferry secret");
        Path shortOne = file("short", "abcd\n", "rw-------");
        assertThatThrownBy(() -> SharedSecret.read(shortOne)).hasMessageContaining("too short");
    }

    @Test
    void aSecretOthersMayReadIsRefusedWithTheFix() throws IOException {
        String strong = HexFormat.of().formatHex(new SecureRandom().generateSeed(32));
        Path readable = file("secret", strong + "\n", "rw-r--r--");
        assertThatThrownBy(() -> SharedSecret.read(readable))
                .hasMessage(readable + " may be read or changed by other users (mode rw-r--r--); run 'chmod 600 "
                        + readable + "'");
        Path groupWritable = file("token", strong + "\n", "rw--w----");
        assertThatThrownBy(() -> ApiToken.read(groupWritable)).hasMessageContaining("chmod 600");
    }

    @Test
    void weakSecretsAreRefused() throws IOException {
        String[] weak = {"0".repeat(32), "0".repeat(64), "ab".repeat(16), "0123456789abcdef".repeat(2),
            "deadbeef".repeat(8), "0123456789abcdeffedcba9876543210", "02468ace02468acf13579bdf13579bdf"};
        for (String secret : weak) {
            Path f = file("weak-" + secret.hashCode(), secret + "\n", "rw-------");
            assertThatThrownBy(() -> SharedSecret.read(f)).as(secret)
                    .hasMessageStartingWith(f + ": not a random secret (")
                    .hasMessageContaining("openssl rand -hex 32");
        }
    }

    @Test
    void randomSecretsOfAnyAcceptedLengthPass() throws IOException {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[16 + random.nextInt(17)];
            random.nextBytes(bytes);
            assertThat(SecretFile.weakness(HexFormat.of().formatHex(bytes))).isNull();
        }
        Path upper = file("upper", HexFormat.of().formatHex(random.generateSeed(32)).toUpperCase() + "\n", "rw-------");
        assertThat(SharedSecret.read(upper)).hasSize(32);
    }

    @Test
    void defaultFilesAreInTheUsersFerryConfigDirectory() {
        assertThat(SharedSecret.defaultFile().toString()).endsWith("ferry/secret");
        assertThat(ApiToken.defaultFile().toString()).endsWith("ferry/token");
    }

    @Test
    void aTokenIsAcceptedOnlyAsItsOwnBearerHeader() throws IOException {
        ApiToken token = ApiToken.loadOrCreate(dir.resolve("ferry/token"));
        String hex = Files.readString(dir.resolve("ferry/token")).strip();
        assertThat(token.accepts("Bearer " + hex)).isTrue();
        assertThat(token.accepts("bearer " + hex.toUpperCase())).isTrue();
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts(hex)).isFalse();
        assertThat(token.accepts("Bearer " + hex.substring(1))).isFalse();
        assertThat(token.accepts("Bearer " + ApiToken.random().authorization().substring(7))).isFalse();
        assertThat(token.toString()).doesNotContain(hex);
    }
}
