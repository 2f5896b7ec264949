package dev.ferry.storage.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.machine.device.block.BlockBackendException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The NBD back end against real servers from Debian: nbdkit and nbd-server, on loopback ports of their own. */
class NbdBackendTest {

    private static final int MIB = 1 << 20;
    private static final NbdOptions QUICK = NbdOptions.DEFAULT.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));

    @TempDir
    Path dir;

    private static void needNbdkit() {
        assumeTrue(NbdServerProcess.installed("nbdkit"), "needs nbdkit (apt-get install nbdkit)");
    }

    private static void needNbdServer() {
        assumeTrue(NbdServerProcess.installed("nbd-server"), "needs nbd-server (apt-get install nbd-server)");
    }

    private Path image(int mib) throws IOException {
        Path p = dir.resolve("disk-" + mib + ".img");
        try (var f = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0);
            f.write(java.nio.ByteBuffer.allocate(1), (long) mib * MIB - 1);
        }
        return p;
    }

    /** Writes random sectors at random offsets, then reads every one back. */
    private static void roundTrip(NbdBackend disk, long seed) throws IOException {
        Random r = new Random(seed);
        long sectors = disk.size() / 512;
        long[] at = new long[40];
        byte[][] data = new byte[at.length][];
        for (int i = 0; i < at.length; i++) {
            int n = 1 + r.nextInt(i % 8 == 0 ? 300 : 16);
            at[i] = r.nextLong(sectors - n) * 512;
            data[i] = new byte[n * 512];
            r.nextBytes(data[i]);
            disk.write(at[i], data[i], 0, data[i].length);
        }
        byte[][] expected = new byte[at.length][];
        for (int i = 0; i < at.length; i++) {
            expected[i] = data[i].clone();
            for (int j = i + 1; j < at.length; j++) {
                overlay(expected[i], at[i], data[j], at[j]);
            }
        }
        for (int i = 0; i < at.length; i++) {
            byte[] got = new byte[data[i].length + 1024];
            disk.read(at[i], got, 512, data[i].length);
            assertThat(Arrays.copyOfRange(got, 512, 512 + data[i].length)).as("sectors at %d", at[i])
                    .isEqualTo(expected[i]);
        }
    }

    private static void overlay(byte[] into, long intoAt, byte[] later, long laterAt) {
        long from = Math.max(intoAt, laterAt);
        long to = Math.min(intoAt + into.length, laterAt + later.length);
        for (long p = from; p < to; p++) {
            into[(int) (p - intoAt)] = later[(int) (p - laterAt)];
        }
    }

    @ParameterizedTest(name = "structured replies {0}")
    @ValueSource(booleans = {false, true})
    void nbdkitMemoryRoundTrip(boolean structured) throws Exception {
        needNbdkit();
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "memory", "64M");
             NbdBackend disk = NbdBackend.open(server.address(""), false, QUICK.withStructuredReplies(structured))) {
            assertThat(disk.size()).isEqualTo(64L * MIB);
            assertThat(disk.readOnly()).isFalse();
            assertThat(disk.structuredReplies()).isEqualTo(structured);
            byte[] fresh = new byte[4096];
            Arrays.fill(fresh, (byte) 7);
            disk.read(5 * MIB, fresh, 0, fresh.length);
            assertThat(fresh).containsOnly(0);
            roundTrip(disk, structured ? 1 : 2);
            disk.flush();
        }
    }

    /** nbd-server 3.24 declines structured replies, so asking for them takes the refusal path of the handshake. */
    @ParameterizedTest(name = "structured replies asked {0}")
    @ValueSource(booleans = {false, true})
    void nbdServerFileRoundTripLandsInTheFile(boolean structured) throws Exception {
        needNbdServer();
        Path img = image(16);
        try (NbdServerProcess server = NbdServerProcess.nbdServer(dir, img);
             NbdBackend disk = NbdBackend.open(server.address("disk"), false, QUICK.withStructuredReplies(structured))) {
            assertThat(disk.size()).isEqualTo(16L * MIB);
            if (!structured) {
                assertThat(disk.structuredReplies()).isFalse();
            }
            roundTrip(disk, 3);
            byte[] pattern = new byte[8192];
            new Random(9).nextBytes(pattern);
            disk.write(3 * MIB, pattern, 0, pattern.length);
            disk.flush();
            byte[] onDisk = Arrays.copyOfRange(Files.readAllBytes(img), 3 * MIB, 3 * MIB + pattern.length);
            assertThat(onDisk).isEqualTo(pattern);
        }
    }

    @Test
    void flushAndFuaReachTheServer() throws Exception {
        needNbdkit();
        Path img = image(8);
        Path log = dir.resolve("requests.log");
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "--filter=log", "file", img.toString(),
                "logfile=" + log);
             NbdBackend disk = NbdBackend.open(server.address(""), false, QUICK)) {
            byte[] b = new byte[4096];
            Arrays.fill(b, (byte) 0x5a);
            disk.write(0, b, 0, b.length);
            disk.flush();
            disk.writeDurable(8192, b, 0, b.length);
            String requests = Files.readString(log);
            assertThat(requests).contains("Flush");
            assertThat(requests).containsPattern("Write .*fua=1");
        }
    }

    @Test
    void largeRequestsAreSplitToTheServersMaximum() throws Exception {
        needNbdkit();
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "--filter=blocksize-policy", "memory", "16M",
                "blocksize-maximum=65536", "blocksize-error-policy=error");
             NbdBackend disk = NbdBackend.open(server.address(""), false, QUICK)) {
            byte[] big = new byte[MIB];
            new Random(4).nextBytes(big);
            disk.write(MIB, big, 0, big.length);
            byte[] back = new byte[MIB];
            disk.read(MIB, back, 0, back.length);
            assertThat(back).isEqualTo(big);
            disk.writeZeroes(MIB + 512, MIB - 1024);
            disk.read(MIB, back, 0, back.length);
            assertThat(Arrays.copyOfRange(back, 512, MIB - 512)).containsOnly(0);
            assertThat(Arrays.copyOf(back, 512)).isEqualTo(Arrays.copyOf(big, 512));
        }
    }

    @ParameterizedTest(name = "server zeroes {0}")
    @ValueSource(booleans = {true, false})
    void writeZeroesClearsTheRange(boolean serverZeroes) throws Exception {
        needNbdkit();
        String[] args = serverZeroes ? new String[] {"memory", "16M"}
                : new String[] {"--filter=nozero", "memory", "16M", "zeromode=none"};
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, args);
             NbdBackend disk = NbdBackend.open(server.address(""), false, QUICK)) {
            byte[] ones = new byte[3 * MIB];
            Arrays.fill(ones, (byte) 1);
            disk.write(0, ones, 0, ones.length);
            disk.writeZeroes(512, 2 * MIB);
            byte[] back = new byte[3 * MIB];
            disk.read(0, back, 0, back.length);
            assertThat(Arrays.copyOfRange(back, 0, 512)).containsOnly(1);
            assertThat(Arrays.copyOfRange(back, 512, 512 + 2 * MIB)).containsOnly(0);
            assertThat(Arrays.copyOfRange(back, 512 + 2 * MIB, 3 * MIB)).containsOnly(1);
        }
    }

    @Test
    void readOnlyExportRefusesWrites() throws Exception {
        needNbdServer();
        Path img = image(4);
        Files.write(img, new byte[] {42}, java.nio.file.StandardOpenOption.WRITE);
        try (NbdServerProcess server = NbdServerProcess.nbdServer(dir, img);
             NbdBackend disk = NbdBackend.open(server.address("ro"), false, QUICK)) {
            assertThat(disk.readOnly()).isTrue();
            byte[] b = new byte[512];
            disk.read(0, b, 0, 512);
            assertThat(b[0]).isEqualTo((byte) 42);
            assertThatThrownBy(() -> disk.write(0, b, 0, 512)).isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> disk.writeZeroes(0, 512)).hasMessageContaining("read-only");
            disk.flush();
        }
    }

    @Test
    void readOnlyRequestOnAWritableExport() throws Exception {
        needNbdkit();
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "memory", "1M");
             NbdBackend disk = NbdBackend.open(server.address(""), true, QUICK)) {
            assertThat(disk.readOnly()).isTrue();
            assertThatThrownBy(() -> disk.write(0, new byte[512], 0, 512)).hasMessageContaining("read-only");
        }
    }

    @Test
    void unknownExportIsAClearError() throws Exception {
        needNbdServer();
        try (NbdServerProcess server = NbdServerProcess.nbdServer(dir, image(1))) {
            assertThatThrownBy(() -> NbdBackend.open(server.address("nosuchdisk"), false, QUICK))
                    .isInstanceOf(BlockBackendException.class)
                    .hasMessageContaining("'nosuchdisk'")
                    .hasMessageContaining("no such export")
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void nothingListeningIsAClearError() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> NbdBackend.open(NbdAddress.tcp("127.0.0.1", port, "x"), false, QUICK))
                .isInstanceOf(BlockBackendException.class)
                .hasMessageContaining("cannot connect to 127.0.0.1:" + port);
    }

    @Test
    void unknownHostIsAClearError() {
        assertThatThrownBy(() -> NbdBackend.open(NbdAddress.tcp("no-such-host.invalid", 10809, "x"), false, QUICK))
                .isInstanceOf(BlockBackendException.class)
                .hasMessageContaining("unknown host no-such-host.invalid");
    }

    @Test
    void unixSocketExport() throws Exception {
        needNbdkit();
        Path sock = dir.resolve("nbd.sock");
        Process p = new ProcessBuilder("nbdkit", "-f", "-U", sock.toString(), "memory", "2M")
                .redirectErrorStream(true).redirectOutput(dir.resolve("unix.log").toFile()).start();
        try {
            for (int i = 0; i < 200 && !Files.exists(sock); i++) {
                Thread.sleep(25);
            }
            try (NbdBackend disk = NbdBackend.open(NbdAddress.parse("nbd+unix:///?socket=" + sock), false, QUICK)) {
                assertThat(disk.size()).isEqualTo(2L * MIB);
                roundTrip(disk, 5);
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void serverKilledMidwayGivesIoErrorsNotAHang() throws Exception {
        needNbdkit();
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "memory", "16M");
             NbdBackend disk = NbdBackend.open(server.address(""), false,
                     QUICK.withReconnectBackoff(Duration.ofMinutes(5)))) {
            byte[] b = new byte[4096];
            disk.write(0, b, 0, b.length);
            server.kill();
            assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
                assertThatThrownBy(() -> disk.read(0, b, 0, b.length)).isInstanceOf(IOException.class)
                        .hasMessageContaining("127.0.0.1:" + server.port());
                assertThatThrownBy(() -> disk.write(0, b, 0, b.length)).isInstanceOf(IOException.class)
                        .hasMessageContaining("unreachable");
                assertThatThrownBy(disk::flush).isInstanceOf(IOException.class);
            });
        }
    }

    @Test
    void reconnectsWhenTheServerReturns() throws Exception {
        needNbdkit();
        Path img = image(8);
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "file", img.toString());
             NbdBackend disk = NbdBackend.open(server.address(""), false,
                     QUICK.withReconnectBackoff(Duration.ofMillis(200)))) {
            byte[] pattern = new byte[8192];
            new Random(11).nextBytes(pattern);
            disk.write(MIB, pattern, 0, pattern.length);
            disk.flush();
            server.kill();
            byte[] back = new byte[pattern.length];
            assertThatThrownBy(() -> disk.read(MIB, back, 0, back.length)).isInstanceOf(IOException.class);
            server.start();
            Thread.sleep(250);
            disk.read(MIB, back, 0, back.length);
            assertThat(back).isEqualTo(pattern);
            assertThat(disk.reconnects()).isEqualTo(1);
            disk.write(2 * MIB, pattern, 0, pattern.length);
            disk.flush();
        }
    }

    @Test
    void aBlipBetweenRequestsIsInvisibleExceptForUnflushedWrites() throws Exception {
        needNbdkit();
        Path img = image(8);
        try (NbdServerProcess server = NbdServerProcess.nbdkit(dir, "file", img.toString());
             NbdBackend disk = NbdBackend.open(server.address(""), false, QUICK)) {
            byte[] pattern = new byte[4096];
            new Random(12).nextBytes(pattern);
            disk.write(0, pattern, 0, pattern.length);
            server.kill();
            server.start();
            byte[] back = new byte[pattern.length];
            disk.read(0, back, 0, back.length);
            assertThat(back).isEqualTo(pattern);
            assertThat(disk.reconnects()).isEqualTo(1);
            assertThatThrownBy(disk::flush).hasMessageContaining("may have lost them");
            disk.flush();
        }
    }
}
