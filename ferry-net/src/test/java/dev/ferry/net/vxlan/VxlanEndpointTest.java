package dev.ferry.net.vxlan;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.B;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.Frames.Recorder;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import dev.ferry.net.switching.SwitchPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two hosts' switches linked over VXLAN on loopback, each with one VM port. */
class VxlanEndpointTest {

    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final LearningSwitch sw1 = new LearningSwitch();
    private final LearningSwitch sw2 = new LearningSwitch();
    private final Recorder atA = new Recorder();
    private final Recorder atB = new Recorder();
    private SwitchPort a;
    private SwitchPort b;
    private VxlanEndpoint e1;
    private VxlanEndpoint e2;

    @BeforeEach
    void link() throws IOException {
        a = sw1.addVmPort("a", A, RateLimit.DEFAULT, atA);
        b = sw2.addVmPort("b", B, RateLimit.DEFAULT, atB);
        e1 = VxlanEndpoint.open(sw1, ANY_LOOPBACK, List.of(), VxlanHeader.DEFAULT_VNI);
        e2 = VxlanEndpoint.open(sw2, ANY_LOOPBACK, List.of(e1.localAddress()), VxlanHeader.DEFAULT_VNI);
        e1.addPeer(e2.localAddress());
        assertThat(e1.localAddress().getPort()).isNotZero().isNotEqualTo(e2.localAddress().getPort());
    }

    @AfterEach
    void close() {
        e1.close();
        e2.close();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    private void sendRaw(DatagramChannel from, InetSocketAddress to, byte[] packet) throws IOException {
        from.send(ByteBuffer.wrap(packet), to);
    }

    @Test
    void vmsOnTwoHostsExchangeFrames() throws Exception {
        byte[] hello = frame(MacAddress.BROADCAST, A, 300, 1);
        sw1.receive(a, hello, 0, hello.length);
        await("A's broadcast at B", () -> atB.count() == 1);
        assertThat(atB.frames().get(0)).isEqualTo(hello);

        byte[] reply = frame(A, B, 1514, 2);
        sw2.receive(b, reply, 0, reply.length);
        await("B's reply at A", () -> atA.count() == 1);
        assertThat(atA.frames().get(0)).isEqualTo(reply);

        assertThat(sw1.snapshot().mac(B).orElseThrow().portName()).isEqualTo("vxlan:" + hostPort(e2));
        assertThat(sw2.snapshot().mac(A).orElseThrow().portName()).isEqualTo("vxlan:" + hostPort(e1));
        assertThat(sw2.snapshot().bytes(B, A)).isEqualTo(1514);
        assertThat(sw1.snapshot().bytes(B, A)).as("counted once, by the sender's switch").isZero();
        SwitchPort link = e1.linkPorts().get(0);
        assertThat(link.totals().txFrames()).isEqualTo(1);
        assertThat(link.totals().rxFrames()).isEqualTo(1);
        assertThat(link.totals().rxBytes()).isEqualTo(1514);
        assertThat(e1.totals().received()).isEqualTo(1);
        assertThat(e1.totals().nonPeer() + e1.totals().wrongVni() + e1.totals().malformed()).isZero();
    }

    private static String hostPort(VxlanEndpoint e) {
        return "127.0.0.1:" + e.localAddress().getPort();
    }

    @Test
    void dropsAndCountsPacketsFromNonPeersWithAnotherVniOrMalformed() throws Exception {
        byte[] inner = frame(MacAddress.BROADCAST, MacAddress.parse("52:54:00:66:66:66"));
        try (DatagramChannel stranger = DatagramChannel.open()) {
            stranger.bind(ANY_LOOPBACK);
            sendRaw(stranger, e1.localAddress(), VxlanHeader.encapsulate(42, inner, 0, inner.length));
            await("the stranger's packet", () -> e1.totals().nonPeer() == 1);
        }
        // A channel bound to e2's address cannot exist while e2 does: send the bad packets from e2's socket address
        // by closing e2 and binding its port.
        InetSocketAddress peer = e2.localAddress();
        e2.close();
        try (DatagramChannel fakePeer = DatagramChannel.open()) {
            fakePeer.bind(peer);
            sendRaw(fakePeer, e1.localAddress(), VxlanHeader.encapsulate(43, inner, 0, inner.length));
            byte[] badFlags = VxlanHeader.encapsulate(42, inner, 0, inner.length);
            badFlags[0] = 0x0c;
            sendRaw(fakePeer, e1.localAddress(), badFlags);
            sendRaw(fakePeer, e1.localAddress(), new byte[] {8, 0, 0});
            sendRaw(fakePeer, e1.localAddress(), VxlanHeader.encapsulate(42, inner, 0, 10));
            sendRaw(fakePeer, e1.localAddress(), VxlanHeader.encapsulate(42, inner, 0, inner.length));
            await("the good packet after the bad ones", () -> atA.count() == 1);
        }
        VxlanTotals t = e1.totals();
        assertThat(t.received()).isEqualTo(6);
        assertThat(t.nonPeer()).isEqualTo(1);
        assertThat(t.wrongVni()).isEqualTo(1);
        assertThat(t.malformed()).isEqualTo(2);
        assertThat(t.errors()).isZero();
        assertThat(e1.linkPorts().get(0).totals().malformed()).as("a 10-byte inner frame").isEqualTo(1);
        assertThat(atA.frames()).singleElement().isEqualTo(inner);
    }

    @Test
    void closeEndsTheReceiverPromptlyAndRemovesTheLinks() {
        long t0 = System.nanoTime();
        e1.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isLessThan(1000);
        assertThat(sw1.ports()).containsExactly(a);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.getName().equals("ferry-vxlan-" + e1.localAddress().getPort()) && t.isAlive());
        byte[] f = frame(MacAddress.BROADCAST, A);
        sw1.receive(a, f, 0, f.length);
    }
}
