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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200 clients that send half a request and then nothing (slowloris) are cut off by the host's request deadline
 * (10 s by default): every socket is closed by the host within it, the host holds no connection afterwards (its
 * open files are back where they were), and the owner is served all along.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientsProcessTest extends TwoHostProcesses {

    private static final int CLIENTS = 200;
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    /**
     * Connections to {@code port} the process holds open: its file descriptors that are sockets whose local port
     * is {@code port} (other sockets of the host, such as those of its migration warm-up, do not count).
     */
    private static long openConnections(long pid, int port) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path file = Path.of("/proc/" + pid + "/net/" + table);
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].contains(":") && !f[3].equals("0A")
                        && Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16) == port) {
                    inodes.add(f[9]);
                }
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    return link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1));
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void halfSentRequestsAreClosedWithinTheDeadline() throws Exception {
        // all the clients, and the owner, come from 127.0.0.1: let that address hold them all and the owner's
        // request, to see each closed by its deadline while the owner is still served
        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret"), "--max-connections-per-address",
                Integer.toString(CLIENTS + 8));
        a.get("/v1/host");
        String[] hostPort = a.control().split(":");
        int port = Integer.parseInt(hostPort[1]);
        HostProcess.await(Duration.ofSeconds(5), "the host to close its first connection", () -> {
            try {
                return openConnections(a.pid(), port) == 0 ? true : null;
            } catch (IOException e) {
                return null;
            }
        });
        InetSocketAddress address = new InetSocketAddress(hostPort[0], port);
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
                    return openConnections(a.pid(), port) == CLIENTS ? true : null;
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
        HostProcess.await(Duration.ofSeconds(5), "the host to close every connection", () -> {
            try {
                return openConnections(a.pid(), port) == 0 ? true : null;
            } catch (IOException e) {
                return null;
            }
        });
        assertThat(a.get("/v1/host").path("name").asText()).isEqualTo("A");
    }
}
