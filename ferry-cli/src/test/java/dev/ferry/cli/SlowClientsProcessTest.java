package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200 clients that send half a request and then nothing (slowloris) are cut off by the host's request deadline
 * (10 s by default): every socket is closed by the host within it, the host's open sockets return to where they
 * were, and the owner is served all along.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientsProcessTest extends TwoHostProcesses {

    private static final int CLIENTS = 200;
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    /** Sockets the process has open (its file descriptors that are sockets). */
    private static long openSockets(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void halfSentRequestsAreClosedWithinTheDeadline() throws Exception {
        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret"));
        a.get("/v1/host");
        long baseline = HostProcess.await(Duration.ofSeconds(5), "the host's sockets to settle", () -> {
            try {
                long before = openSockets(a.pid());
                Thread.sleep(200);
                return openSockets(a.pid()) == before ? before : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        });
        String[] hostPort = a.control().split(":");
        InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        List<Socket> clients = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket();
                s.connect(address, 5000);
                s.getOutputStream().write(("GET /v1/host HTTP/1.1\r\nHost: x\r\nX-Slow: " + i)
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                clients.add(s);
            }
            HostProcess.await(Duration.ofSeconds(5), "the host to hold the half-sent requests", () -> {
                try {
                    return openSockets(a.pid()) >= baseline + CLIENTS ? true : null;
                } catch (IOException e) {
                    return null;
                }
            });
            assertThat(a.get("/v1/host").path("name").asText()).isEqualTo("A");

            for (Socket s : clients) {
                long left = DEFAULT_DEADLINE.toMillis() + 3000 - (System.nanoTime() - started) / 1_000_000;
                s.setSoTimeout((int) Math.max(1, left));
                try {
                    assertThat(s.getInputStream().read()).as("the host closes the connection").isEqualTo(-1);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a half-sent request was still open after "
                            + (System.nanoTime() - started) / 1_000_000 + " ms");
                } catch (IOException e) {
                    // reset by the host: closed as well
                }
            }
            long elapsed = (System.nanoTime() - started) / 1_000_000;
            assertThat(elapsed).isGreaterThanOrEqualTo(DEFAULT_DEADLINE.toMillis() - 1000);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
        HostProcess.await(Duration.ofSeconds(5), "the host's open sockets to return to " + baseline, () -> {
            try {
                return openSockets(a.pid()) <= baseline ? true : null;
            } catch (IOException e) {
                return null;
            }
        });
        assertThat(a.get("/v1/host").path("name").asText()).isEqualTo("A");
    }
}
