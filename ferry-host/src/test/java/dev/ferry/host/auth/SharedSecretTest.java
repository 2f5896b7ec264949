package dev.ferry.host.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        Path file = dir.resolve("secret");
        Files.writeString(file, "not hex at all\n");
        assertThatThrownBy(() -> SharedSecret.loadOrCreate(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a Ferry secret");
        Files.writeString(file, "abcd\n");
        assertThatThrownBy(() -> SharedSecret.read(file)).hasMessageContaining("too short");
    }

    @Test
    void defaultFileIsInTheUsersFerryConfigDirectory() {
        assertThat(SharedSecret.defaultFile().toString()).endsWith("ferry/secret");
    }
}
