package dev.ferry.machine.device.virtio;

import static dev.ferry.machine.device.virtio.TestDriver.BUF;
import static dev.ferry.machine.device.virtio.TestDriver.in;
import static dev.ferry.machine.device.virtio.TestDriver.out;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.RecordCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioNetTest {

    /** A back end that records sent frames and lets the test deliver frames. */
    static final class LoopBackend implements NetBackend {
        final List<byte[]> sent = new ArrayList<>();
        FrameReceiver receiver;

        @Override
        public void send(byte[] frame, int off, int len) {
            sent.add(Arrays.copyOfRange(frame, off, off + len));
        }

        @Override
        public void attach(FrameReceiver r) {
            receiver = r;
        }

        @Override
        public void detach() {
            receiver = null;
        }

        @Override
        public void close() {
        }
    }

    private static final byte[] MAC = VirtioNet.parseMac("52:54:00:12:34:56");

    private final GuestMemory mem = TestDriver.memory();
    private final List<Boolean> irq = TestDriver.irqLog();
    private final LoopBackend backend = new LoopBackend();
    private int wakes;
    private final VirtioNet net = new VirtioNet(MAC, backend, mem, irq::add, () -> wakes++);
    private final TestDriver d = new TestDriver(mem, net.mmio(), irq);

    private static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) {
            f[i] = (byte) (i * 7 + seed);
        }
        return f;
    }

    @Test
    void configurationHoldsTheMacAndLinkUp() {
        assertThat(d.reg(VirtioMmioTransport.DEVICE_ID)).isEqualTo(1);
        assertThat(d.reg(VirtioMmioTransport.HOST_FEATURES) & (1L << 5 | 1L << 16)).isEqualTo(1L << 5 | 1L << 16);
        assertThat(net.mmio().read(0x100, 4)).isEqualTo(0x1200_5452L);
        assertThat(net.mmio().read(0x104, 2)).isEqualTo(0x5634);
        assertThat(net.mmio().read(0x106, 2)).as("status: link up").isEqualTo(1);
        assertThat(net.mmio().read(0x108, 1)).isEqualTo(0xff);
        assertThatThrownBy(() -> VirtioNet.parseMac("52:54:00:12:34")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VirtioNet.parseMac("01:00:5e:00:00:01")).hasMessageContaining("multicast");
    }

    @Test
    void transmitStripsTheHeaderAndSendsTheFrame() {
        d.up(VirtioNet.FEATURES, 2);
        byte[] f = frame(60, 1);
        mem.writeBytes(BUF + VirtioNet.HEADER, f, 0, 60);
        assertThat(d.xfer(VirtioNet.TX, out(BUF, VirtioNet.HEADER), out(BUF + VirtioNet.HEADER, 60))).isZero();
        assertThat(backend.sent).hasSize(1);
        assertThat(backend.sent.get(0)).isEqualTo(f);
        d.xfer(VirtioNet.TX, out(BUF, 4));
        assertThat(net.mmio().broken()).as("a buffer shorter than the header").isTrue();
    }

    @Test
    void receivedFramesWaitForBuffersAndEnterOnDelivery() {
        d.up(VirtioNet.FEATURES, 2);
        byte[] f = frame(100, 3);
        backend.receiver.receive(f, 0, 100);
        backend.receiver.receive(f, 0, 100);
        assertThat(wakes).as("one wake for a burst").isEqualTo(1);
        net.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("no buffer yet").isEqualTo(-1);

        d.post(VirtioNet.RX, in(BUF, 1526));
        d.notify(VirtioNet.RX);
        assertThat(d.nextUsed(VirtioNet.RX)).isEqualTo(VirtioNet.HEADER + 100);
        byte[] got = new byte[100];
        mem.readBytes(BUF + VirtioNet.HEADER, got, 0, 100);
        assertThat(got).isEqualTo(f);
        assertThat(mem.load16(BUF)).as("zero header").isZero();

        d.post(VirtioNet.RX, in(BUF, 50));
        d.post(VirtioNet.RX, in(BUF + 0x1000, 1526));
        d.notify(VirtioNet.RX);
        assertThat(d.nextUsed(VirtioNet.RX)).as("too small: the frame is dropped, the buffer kept")
                .isEqualTo(-1);
        assertThat(net.rxDropped()).isEqualTo(1);
        backend.receiver.receive(f, 0, 40);
        net.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("a frame that fits takes the kept buffer").isEqualTo(VirtioNet.HEADER + 40);
        assertThat(irq).contains(true);
    }

    @Test
    void aFullQueueDropsAndCounts() {
        byte[] f = frame(64, 0);
        for (int i = 0; i < VirtioNet.RX_QUEUE_FRAMES + 5; i++) {
            backend.receiver.receive(f, 0, 64);
        }
        assertThat(net.rxDropped()).isEqualTo(5);
    }

    @Test
    void stateRoundTripsAndChecksTheMac() throws Exception {
        d.up(VirtioNet.FEATURES, 2);
        d.post(VirtioNet.RX, in(BUF, 1526));
        d.notify(VirtioNet.RX);
        VirtioNetState saved = RecordCodec.decode(RecordCodec.encode(net.saveState()), VirtioNetState.class);
        LoopBackend other = new LoopBackend();
        VirtioNet copy = new VirtioNet(MAC, other, mem, irq::add, () -> { });
        copy.validateState(saved);
        copy.restoreState(saved);
        other.receiver.receive(frame(70, 9), 0, 70);
        copy.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("the buffer posted before the save receives").isEqualTo(80);
        VirtioNet wrongMac = new VirtioNet(VirtioNet.parseMac("52:54:00:12:34:57"), other, mem, irq::add, () -> { });
        assertThatThrownBy(() -> wrongMac.validateState(saved)).hasMessageContaining("MAC");
    }
}
