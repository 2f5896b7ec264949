package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The handshake's choice of encryption: who asks, who refuses, what the proofs bind, and that the connection
 * carries sealed frames afterwards in both directions.
 */
class HandshakeEncryptionTest {

    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);
    private static final Handshake.Hello HELLO = new Handshake.Hello(Handshake.Purpose.CONTROL, "m-1", 0);
    private static final EncryptionPolicy ALWAYS = EncryptionPolicy.of(EncryptionMode.ALWAYS);
    private static final EncryptionPolicy NEVER = EncryptionPolicy.of(EncryptionMode.NEVER);

    /** What each end saw: its exception, or whether its connection ended up encrypted. */
    private record Outcome(Object source, Object target) { }

    private static Outcome shake(InetAddress at, EncryptionPolicy source, int sourceVersion, EncryptionPolicy target,
            int targetMax) throws Exception {
        try (var server = java.nio.channels.ServerSocketChannel.open().bind(new InetSocketAddress(at, 0))) {
            CompletableFuture<Object> t = CompletableFuture.supplyAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    Handshake.asTarget(c, SECRET, targetMax, target);
                    c.send(Messages.error("from the target"));
                    assertThat(Messages.error(c.expect(FrameType.ERROR, 5000))).isEqualTo("from the source");
                    return c.encrypted();
                } catch (Exception e) {
                    return e;
                }
            });
            Object s;
            try (FrameConnection c = FrameConnection.connect((InetSocketAddress) server.getLocalAddress(),
                    new AtomicLong())) {
                Handshake.asSource(c, SECRET, sourceVersion, HELLO, source);
                assertThat(Messages.error(c.expect(FrameType.ERROR, 5000))).isEqualTo("from the target");
                c.send(Messages.error("from the source"));
                s = c.encrypted();
            } catch (Exception e) {
                s = e;
            }
            return new Outcome(s, t.get(10, TimeUnit.SECONDS));
        }
    }

    private static Outcome loopback(EncryptionPolicy source, EncryptionPolicy target) throws Exception {
        return shake(InetAddress.getLoopbackAddress(), source, Handshake.VERSION, target, Handshake.VERSION);
    }

    @Test
    void loopbackStaysPlainByDefault() throws Exception {
        assertThat(loopback(EncryptionPolicy.DEFAULT, EncryptionPolicy.DEFAULT)).isEqualTo(new Outcome(false, false));
    }

    @Test
    void eitherEndCanForceEncryption() throws Exception {
        assertThat(loopback(ALWAYS, EncryptionPolicy.DEFAULT)).isEqualTo(new Outcome(true, true));
        assertThat(loopback(EncryptionPolicy.DEFAULT, ALWAYS)).isEqualTo(new Outcome(true, true));
        assertThat(loopback(ALWAYS, ALWAYS)).isEqualTo(new Outcome(true, true));
    }

    @Test
    void neverOnLoopbackIsPlain() throws Exception {
        assertThat(loopback(NEVER, EncryptionPolicy.DEFAULT)).isEqualTo(new Outcome(false, false));
    }

    @Test
    void requiredAgainstRefusedFailsOnBothEndsWithTheReason() throws Exception {
        Outcome o = loopback(ALWAYS, NEVER);
        String why = "encryption mismatch: the source requires encryption, the target refuses it (its encryption is "
                + "set to never)";
        assertThat((Exception) o.target()).hasMessage(why);
        assertThat((Exception) o.source()).hasMessage("target refused the connection: " + why);
        Outcome p = loopback(NEVER, ALWAYS);
        assertThat((Exception) p.source()).hasMessageContaining("the target requires encryption, the source refuses");
    }

    @Test
    void aVersion2SourceIsRefusedOnlyWhenEncryptionIsRequired() throws Exception {
        Outcome o = shake(InetAddress.getLoopbackAddress(), EncryptionPolicy.DEFAULT, 2, ALWAYS, Handshake.VERSION);
        String why = "encryption required by the target, but the source speaks protocol version 2, which cannot "
                + "encrypt";
        assertThat((Exception) o.target()).hasMessage(why);
        assertThat((Exception) o.source()).hasMessage("target refused the connection: " + why);
        assertThat(shake(InetAddress.getLoopbackAddress(), EncryptionPolicy.DEFAULT, 2, EncryptionPolicy.DEFAULT,
                Handshake.VERSION)).isEqualTo(new Outcome(false, false));
    }

    @Test
    void aSourceThatRequiresEncryptionDoesNotFallBackToVersion2() throws Exception {
        try (var server = java.nio.channels.ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2)) {
            CompletableFuture<Object> target = CompletableFuture.supplyAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    return Handshake.asTarget(c, SECRET, 2);
                } catch (Exception e) {
                    return e.getMessage();
                }
            });
            assertThatThrownBy(() -> Handshake.connectAsSource((InetSocketAddress) server.getLocalAddress(),
                    new AtomicLong(), SECRET, Handshake.VERSION, HELLO, ALWAYS))
                    .hasMessage("encryption required by the source, but the target speaks protocol version 2, which "
                            + "cannot encrypt");
            assertThat(target.get(10, TimeUnit.SECONDS))
                    .isEqualTo("protocol version mismatch: source speaks version " + Handshake.VERSION
                            + ", target speaks version 2");
        }
    }

    @Test
    void aCipherChoiceTheProofDoesNotCoverIsRefused() throws Exception {
        try (var server = java.nio.channels.ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Void> target = CompletableFuture.runAsync(() -> {
                try (FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                    PayloadReader r = c.expect(FrameType.HELLO, 5000).reader();
                    r.raw(8);
                    r.u16();
                    r.u8();
                    r.str(256);
                    r.u16();
                    byte[] nonceS = r.raw(32);
                    int wish = r.u8();
                    byte[] nonceT = new byte[32];
                    byte[] plainTerms = Handshake.terms(3, 3, EncryptionWish.ofCode(wish), 0);
                    c.send(new PayloadWriter().u16(3).raw(nonceT)
                            .raw(Handshake.proof(SECRET, "ferry-target", nonceS, nonceT, HELLO, plainTerms))
                            .u8(1).frame(FrameType.CHALLENGE));
                    c.receive(5000);
                } catch (Exception e) {
                    // the source gives up
                }
            });
            assertThatThrownBy(() -> Handshake.connectAsSource((InetSocketAddress) server.getLocalAddress(),
                    new AtomicLong(), SECRET, Handshake.VERSION, HELLO, EncryptionPolicy.DEFAULT))
                    .hasMessageStartingWith("target failed authentication");
            target.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void wishesTravelAsTheirDocumentedCodes() throws Exception {
        assertThat(EncryptionWish.EITHER.code()).isZero();
        assertThat(EncryptionWish.REQUIRED.code()).isEqualTo(1);
        assertThat(EncryptionWish.REFUSED.code()).isEqualTo(2);
        assertThat(EncryptionWish.ofCode(3)).isNull();
        assertThat(EncryptionWish.agree(EncryptionWish.EITHER, EncryptionWish.EITHER)).isFalse();
        assertThat(EncryptionWish.agree(EncryptionWish.EITHER, EncryptionWish.REFUSED)).isFalse();
        assertThat(EncryptionWish.agree(EncryptionWish.REQUIRED, EncryptionWish.EITHER)).isTrue();
        assertThat(EncryptionWish.agree(EncryptionWish.EITHER, EncryptionWish.REQUIRED)).isTrue();
    }

    /** A peer that is not loopback: encrypted by default, and plain text only with the explicit allowance. */
    @Test
    void aPeerThatIsNotLoopbackIsEncryptedByDefault() throws Exception {
        InetAddress external = NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst().orElse(null);
        assumeTrue(external != null, "no address besides loopback on this machine");
        assertThat(shake(external, EncryptionPolicy.DEFAULT, Handshake.VERSION, EncryptionPolicy.DEFAULT,
                Handshake.VERSION)).isEqualTo(new Outcome(true, true));
        Outcome refused = shake(external, NEVER, Handshake.VERSION, EncryptionPolicy.DEFAULT, Handshake.VERSION);
        assertThat((Exception) refused.source()).hasMessageContaining("without --allow-plaintext");
        EncryptionPolicy plain = new EncryptionPolicy(EncryptionMode.NEVER, true);
        assertThat(shake(external, plain, Handshake.VERSION, plain, Handshake.VERSION))
                .isEqualTo(new Outcome(false, false));
        Outcome mismatch = shake(external, plain, Handshake.VERSION, EncryptionPolicy.DEFAULT, Handshake.VERSION);
        assertThat((Exception) mismatch.target()).hasMessageContaining("the target requires encryption");
    }
}
