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

    private static final long BASIC = 1L << VirtioNet.F_MAC | 1L << VirtioNet.F_STATUS | 1L << VirtioNet.F_CTRL_VQ
            | 1L << VirtioNet.F_CTRL_RX | 1L << VirtioNet.F_CTRL_MAC_ADDR | 1L << VirtioNet.F_GUEST_ANNOUNCE;

    @Test
    void offersQemusFeaturesAndThreeQueues() {
        assertThat(d.reg(VirtioMmioTransport.HOST_FEATURES)).isEqualTo(0x39bf_8064L);
        d.set(VirtioMmioTransport.QUEUE_SEL, 2);
        assertThat(d.reg(VirtioMmioTransport.QUEUE_NUM_MAX)).isEqualTo(Virtqueue.MAX_SIZE);
        d.set(VirtioMmioTransport.QUEUE_SEL, 3);
        assertThat(d.reg(VirtioMmioTransport.QUEUE_NUM_MAX)).isZero();
    }

    @Test
    void transmitStripsTheHeaderAndSendsTheFrame() {
        d.up(BASIC, 3);
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
        d.up(BASIC, 3);
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
        assertThat(d.nextUsed(VirtioNet.RX)).as("a frame that fits takes the kept buffer")
                .isEqualTo(VirtioNet.HEADER + 40);
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
    void mergeableBuffersTakeALargeFrameAcrossChains() {
        d.up(BASIC | 1L << VirtioNet.F_MRG_RXBUF, 3);
        byte[] f = frame(1000, 5);
        d.post(VirtioNet.RX, in(BUF, 512));
        d.notify(VirtioNet.RX);
        backend.receiver.receive(f, 0, 1000);
        net.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("512 bytes are too few: the frame waits").isEqualTo(-1);
        d.post(VirtioNet.RX, in(BUF + 0x1000, 512));
        d.post(VirtioNet.RX, in(BUF + 0x2000, 512));
        d.notify(VirtioNet.RX);
        assertThat(d.nextUsed(VirtioNet.RX)).isEqualTo(512);
        assertThat(d.nextUsed(VirtioNet.RX)).isEqualTo(500);
        assertThat(d.nextUsed(VirtioNet.RX)).as("the third buffer stays free").isEqualTo(-1);
        assertThat(mem.load16(BUF + 10)).as("num_buffers").isEqualTo(2);
        byte[] got = new byte[1000];
        mem.readBytes(BUF + VirtioNet.MRG_HEADER, got, 0, 500);
        mem.readBytes(BUF + 0x1000, got, 500, 500);
        assertThat(got).isEqualTo(f);

        byte[] t = frame(60, 2);
        mem.writeBytes(BUF + 0x3000 + VirtioNet.MRG_HEADER, t, 0, 60);
        d.xfer(VirtioNet.TX, out(BUF + 0x3000, VirtioNet.MRG_HEADER + 60));
        assertThat(backend.sent.get(0)).as("a 12-byte header is stripped").isEqualTo(t);
    }

    private int control(int cls, int cmd, byte... data) {
        long ctl = BUF + 0x5000;
        mem.store8(ctl, cls);
        mem.store8(ctl + 1, cmd);
        mem.writeBytes(ctl + 2, data, 0, data.length);
        mem.store8(ctl + 0x100, 0xee);
        long used = data.length == 0 ? d.xfer(VirtioNet.CTRL, out(ctl, 2), in(ctl + 0x100, 1))
                : d.xfer(VirtioNet.CTRL, out(ctl, 2), out(ctl + 2, data.length), in(ctl + 0x100, 1));
        assertThat(used).isEqualTo(1);
        return mem.load8(ctl + 0x100);
    }

    @Test
    void theFilterIsPromiscuousUntilTheDriverSetsItThroughTheControlQueue() {
        d.up(BASIC, 3);
        byte[] other = frame(60, 0);
        other[0] = 0x52;
        other[5] = 0x11;
        byte[] mine = frame(60, 0);
        System.arraycopy(MAC, 0, mine, 0, 6);
        byte[] bcast = frame(60, 0);
        java.util.Arrays.fill(bcast, 0, 6, (byte) -1);
        for (int i = 0; i < 4; i++) {
            d.post(VirtioNet.RX, in(BUF + 0x800L * i, 1526));
        }
        d.notify(VirtioNet.RX);
        backend.receiver.receive(other, 0, 60);
        net.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("promiscuous after reset").isEqualTo(70);

        assertThat(control(0, 0, (byte) 0)).as("promiscuous off").isZero();
        backend.receiver.receive(other, 0, 60);
        backend.receiver.receive(mine, 0, 60);
        backend.receiver.receive(bcast, 0, 60);
        net.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).isEqualTo(70);
        assertThat(mem.load8(BUF + 0x800 + 10 + 5)).as("the frame for our MAC").isEqualTo(0x56);
        assertThat(d.nextUsed(VirtioNet.RX)).as("broadcast").isEqualTo(70);
        assertThat(d.nextUsed(VirtioNet.RX)).isEqualTo(-1);

        assertThat(control(0, 6, (byte) 1)).as("unknown RX command").isEqualTo(1);
        assertThat(control(1, 1, (byte) 0x52, (byte) 0x54, (byte) 0, (byte) 0xab, (byte) 0xcd, (byte) 0xef)).isZero();
        assertThat(net.mac()).containsExactly(0x52, 0x54, 0, 0xab, 0xcd, 0xef);
        assertThat(net.mmio().read(0x105, 1)).isEqualTo(0xef);
        assertThat(control(2, 0, (byte) 0x88, (byte) 0x13)).as("VLAN 5000").isEqualTo(1);
        assertThat(control(5, 0, new byte[8])).as("guest offloads without a virtio-header back end").isEqualTo(1);
        assertThat(control(9, 0)).isEqualTo(1);
    }

    @Test
    void announceRaisesAConfigurationInterruptUntilAcknowledged() {
        d.up(BASIC, 3);
        assertThat(control(3, 0)).as("nothing to acknowledge").isEqualTo(1);
        assertThat(net.announce()).isTrue();
        assertThat(net.mmio().read(0x106, 2)).isEqualTo(3);
        assertThat(d.reg(VirtioMmioTransport.INTERRUPT_STATUS) & VirtioMmioTransport.INT_CONFIG).isNotZero();
        assertThat(control(3, 0)).isZero();
        assertThat(net.mmio().read(0x106, 2)).isEqualTo(1);
        d.up(1L << VirtioNet.F_MAC, 3);
        assertThat(net.announce()).as("a driver without GUEST_ANNOUNCE is not asked").isFalse();
    }

    @Test
    void stateRoundTripsAndChecksTheMac() throws Exception {
        d.up(BASIC, 3);
        assertThat(control(0, 0, (byte) 0)).isZero();
        d.post(VirtioNet.RX, in(BUF, 1526));
        d.notify(VirtioNet.RX);
        VirtioNetState saved = RecordCodec.decode(RecordCodec.encode(net.saveState()), VirtioNetState.class);
        LoopBackend other = new LoopBackend();
        VirtioNet copy = new VirtioNet(MAC, other, mem, irq::add, () -> { });
        copy.validateState(saved);
        copy.restoreState(saved);
        byte[] f = frame(70, 9);
        other.receiver.receive(f, 0, 70);
        copy.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("the restored filter is not promiscuous").isEqualTo(-1);
        System.arraycopy(MAC, 0, f, 0, 6);
        other.receiver.receive(f, 0, 70);
        copy.deliverPending();
        assertThat(d.nextUsed(VirtioNet.RX)).as("the buffer posted before the save receives").isEqualTo(80);
        VirtioNet wrongMac = new VirtioNet(VirtioNet.parseMac("52:54:00:12:34:57"), other, mem, irq::add, () -> { });
        assertThatThrownBy(() -> wrongMac.validateState(saved)).hasMessageContaining("MAC");
    }
}
