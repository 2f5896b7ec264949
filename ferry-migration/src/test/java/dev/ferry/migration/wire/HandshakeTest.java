package dev.ferry.migration.wire;


import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeTest {

    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);
    private static final Handshake.Hello HELLO = new Handshake.Hello(Handshake.Purpose.PAGES, "m-7", 3);

    /**
     * Runs both sides over loopback, the target speaking up to {@code targetMax}; returns what the target saw (or
     * its exception) and what the source saw (the version, or its exception).
     */
    private static Object[] shake(byte[] sourceSecret, byte[] targetSecret, int version, int targetMax)
            throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Object> target = CompletableFuture.supplyAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    return Handshake.asTarget(c, targetSecret, targetMax);
                } catch (Exception e) {
                    return e;
                }
            });
            Object source;
            try (FrameConnection c = FrameConnection.connect((InetSocketAddress) server.getLocalAddress(),
                    new AtomicLong())) {
                source = Handshake.asSource(c, sourceSecret, version, HELLO);
            } catch (Exception e) {
                source = e;
            }
            return new Object[] {target.get(10, TimeUnit.SECONDS), source};
        }
    }

    private static Object[] shake(byte[] sourceSecret, byte[] targetSecret, int version) throws Exception {
        return shake(sourceSecret, targetSecret, version, Handshake.VERSION);
    }

    @Test
    void sameSecretAuthenticates() throws Exception {
        Object[] r = shake(SECRET, SECRET, Handshake.VERSION);
        assertThat(r[1]).isEqualTo(Handshake.VERSION);
        assertThat(r[0]).isEqualTo(new Handshake.Accepted(HELLO, Handshake.VERSION));
    }

    @Test
    void wrongSecretFailsOnBothSides() throws Exception {
        Object[] r = shake("other".getBytes(StandardCharsets.UTF_8), SECRET, Handshake.VERSION);
        assertThat((Exception) r[1]).hasMessageContaining("authentication");
        assertThat((Exception) r[0]).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aNewerSourceIsAnsweredWithTheTargetsVersion() throws Exception {
        Object[] r = shake(SECRET, SECRET, Handshake.VERSION + 1);
        assertThat(r[1]).isEqualTo(Handshake.VERSION);
        assertThat(r[0]).isEqualTo(new Handshake.Accepted(HELLO, Handshake.VERSION));
    }

    @Test
    void anOlderSourceIsSpokenToInItsVersion() throws Exception {
        Object[] r = shake(SECRET, SECRET, 2);
        assertThat(r[1]).isEqualTo(2);
        assertThat(r[0]).isEqualTo(new Handshake.Accepted(HELLO, 2));
    }

    @Test
    void aVersionNeitherSideSpeaksIsRefusedClearlyOnBothSides() throws Exception {
        Object[] r = shake(SECRET, SECRET, 1);
        String why = "protocol version mismatch: source speaks version 1, target speaks versions 2 to "
                + Handshake.VERSION;
        assertThat((Exception) r[1]).hasMessage("target refused the connection: " + why);
        assertThat((Exception) r[0]).hasMessage(why);
    }

    @Test
    void aTargetLimitedToVersion2RefusesNewerVersionsAsVersion2BuildsDo() throws Exception {
        Object[] r = shake(SECRET, SECRET, 3, 2);
        String why = "protocol version mismatch: source speaks version 3, target speaks version 2";
        assertThat((Exception) r[0]).hasMessage(why);
        assertThat((Exception) r[1]).hasMessage("target refused the connection: " + why);
    }

    @Test
    void aSourceRefusedByAVersion2TargetConnectsAgainInVersion2() throws Exception {
        List<Object> seen = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2)) {
            CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                        seen.add(Handshake.asTarget(c, SECRET, 2));
                    } catch (Exception e) {
                        seen.add(e.getMessage());
                    }
                }
            });
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            Handshake.Opened opened = Handshake.connectAsSource(address, new AtomicLong(), SECRET, Handshake.VERSION,
                    HELLO);
            opened.connection().close();
            target.get(10, TimeUnit.SECONDS);
            assertThat(opened.version()).isEqualTo(2);
        }
        assertThat(seen).containsExactly(
                "protocol version mismatch: source speaks version " + Handshake.VERSION + ", target speaks version 2",
                new Handshake.Accepted(HELLO, 2));
    }

    @Test
    void aSourceDoesNotRetryAVersionItDoesNotSpeak() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2)) {
            CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    c.expect(FrameType.HELLO, 5000);
                    c.send(Messages.error("protocol version mismatch: source speaks version 3, target speaks "
                            + "version 1"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            assertThatThrownBy(() -> Handshake.connectAsSource(address, new AtomicLong(), SECRET, Handshake.VERSION,
                    HELLO)).hasMessage("target refused the connection: protocol version mismatch: source speaks "
                            + "version 3, target speaks version 1");
            target.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void purposesTravelAsTheirDocumentedCodes() {
        assertThat(Handshake.Purpose.CONTROL.code()).isZero();
        assertThat(Handshake.Purpose.PAGES.code()).isEqualTo(1);
        assertThat(Handshake.Purpose.RECOVER.code()).isEqualTo(2);
        for (Handshake.Purpose p : Handshake.Purpose.values()) {
            assertThat(Handshake.Purpose.ofCode(p.code())).isSameAs(p);
        }
        assertThat(Handshake.Purpose.ofCode(3)).isNull();
        assertThat(Handshake.Purpose.ofCode(-1)).isNull();
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
