package dev.ferry.host.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One client address that holds many idle connections leaves room for the others. */
@Timeout(30)
class HttpEndpointConnectionCapTest {

    private static final HttpLimits LIMITS = HttpLimits.DEFAULTS.withConnections(16, 3);

    @Test
    void connectionsFromOneAddressBeyondTheCapAreClosedAndOtherAddressesAreStillServed() throws Exception {
        try (HttpEndpoint endpoint = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0), null, LIMITS,
                ex -> ex.respond(200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII)),
                (code, message) -> message.getBytes(StandardCharsets.US_ASCII))) {
            int port = endpoint.address().getPort();
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    idle.add(connect("127.0.0.1", port));
                }
                awaitOpen(endpoint, 3);
                try (Socket over = connect("127.0.0.1", port)) {
                    assertThat(closedByServer(over)).as("a fourth connection from 127.0.0.1").isTrue();
                }
                assertThat(get("127.0.0.2", port)).as("another address").startsWith("HTTP/1.1 200");
                idle.remove(0).close();
                awaitOpen(endpoint, 2);
                assertThat(get("127.0.0.1", port)).as("a freed slot").startsWith("HTTP/1.1 200");
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void capsMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpLimits.DEFAULTS.withConnections(4, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return s;
    }

    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(3000);
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String get(String from, int port) throws IOException {
        try (Socket s = connect(from, port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static void awaitOpen(HttpEndpoint endpoint, int n) throws InterruptedException {
        for (int i = 0; i < 200 && endpoint.openConnections() != n; i++) {
            Thread.sleep(10);
        }
        assertThat(endpoint.openConnections()).isEqualTo(n);
    }
}
