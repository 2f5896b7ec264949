package dev.ferry.migration.wire;


import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class HandshakeTest {

    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    /** Runs both sides over loopback; returns what the target saw (or its exception) and the source's exception. */
    private static Object[] shake(byte[] sourceSecret, byte[] targetSecret, int version) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Object> target = CompletableFuture.supplyAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    return Handshake.asTarget(c, targetSecret);
                } catch (Exception e) {
                    return e;
                }
            });
            Exception sourceError = null;
            try (FrameConnection c = FrameConnection.connect((InetSocketAddress) server.getLocalAddress(),
                    new AtomicLong())) {
                Handshake.asSource(c, sourceSecret, version, new Handshake.Hello(Handshake.Purpose.PAGES, "m-7", 3));
            } catch (Exception e) {
                sourceError = e;
            }
            return new Object[] {target.get(10, TimeUnit.SECONDS), sourceError};
        }
    }

    @Test
    void sameSecretAuthenticates() throws Exception {
        Object[] r = shake(SECRET, SECRET, Handshake.VERSION);
        assertThat(r[1]).isNull();
        assertThat(r[0]).isEqualTo(new Handshake.Hello(Handshake.Purpose.PAGES, "m-7", 3));
    }

    @Test
    void wrongSecretFailsOnBothSides() throws Exception {
        Object[] r = shake("other".getBytes(StandardCharsets.UTF_8), SECRET, Handshake.VERSION);
        assertThat((Exception) r[1]).hasMessageContaining("authentication");
        assertThat((Exception) r[0]).isInstanceOf(ProtocolException.class);
    }

    @Test
    void versionMismatchIsClearOnBothSides() throws Exception {
        Object[] r = shake(SECRET, SECRET, Handshake.VERSION + 1);
        assertThat((Exception) r[1]).hasMessageContaining("protocol version mismatch");
        assertThat((Exception) r[0]).hasMessageContaining("protocol version mismatch");
    }

    @Test
    void proofsDependOnNoncesRoleAndSecret() {
        Handshake.Hello h = new Handshake.Hello(Handshake.Purpose.CONTROL, "m", 0);
        byte[] a = {1};
        byte[] b = {2};
        byte[] p = Handshake.proof(SECRET, "ferry-target", a, b, h);
        assertThat(Handshake.proof(SECRET, "ferry-source", a, b, h)).isNotEqualTo(p);
        assertThat(Handshake.proof(SECRET, "ferry-target", b, a, h)).isNotEqualTo(p);
        assertThat(Handshake.proof("x".getBytes(StandardCharsets.UTF_8), "ferry-target", a, b, h)).isNotEqualTo(p);
        assertThat(Handshake.proof(SECRET, "ferry-target", a, b, new Handshake.Hello(Handshake.Purpose.CONTROL,
                "n", 0))).isNotEqualTo(p);
    }
}
