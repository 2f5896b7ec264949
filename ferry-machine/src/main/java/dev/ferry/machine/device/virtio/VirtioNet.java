package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A virtio network device (device id 1) on the legacy virtio-mmio transport, over a {@link NetBackend}: a receive
 * queue (0) and a transmit queue (1), each buffer preceded by the 10-byte legacy {@code virtio_net_hdr} (no
 * checksum or segmentation offload: the header is all zeros on receive and ignored on transmit). Configuration
 * space: the MAC address and the link status (up), 8 bytes, as QEMU 7.2 lays it out.
 *
 * <p>Features offered: MAC, STATUS and the ring features NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC and EVENT_IDX.
 * QEMU 7.2's {@code virtio-net-device} offers more on the same transport (checked with a probe guest: GSO,
 * MRG_RXBUF, the control queue with its RX, VLAN, ANNOUNCE, MAC_ADDR and GUEST_OFFLOADS commands); Linux binds the
 * same driver either way and uses what is offered, so the guest-visible difference is fewer offloads and no
 * control queue (no promiscuous or multicast filtering: every frame is delivered, as with promiscuous mode on).
 *
 * <p>Received frames wait in a bounded queue ({@link #RX_QUEUE_FRAMES}); when it is full a frame is dropped and
 * counted. They enter the guest on the vCPU thread: the back end's thread queues a frame and calls {@code wake},
 * which the board turns into a safepoint task calling {@link #deliverPending()}; buffers the driver adds also
 * drain the queue. A frame waits while the driver is not ready or has no receive buffer, and is dropped (counted)
 * when the buffer offered is too small for it, as QEMU drops it without mergeable buffers.
 */
public final class VirtioNet implements VirtioDevice, Snapshottable<VirtioNetState> {

    /** Virtio device id of a network card. */
    public static final int DEVICE_ID = 1;
    /** Feature: the configuration space holds the MAC address. */
    public static final int F_MAC = 5;
    /** Feature: the configuration space holds the link status. */
    public static final int F_STATUS = 16;
    /** Features offered. */
    public static final long FEATURES = 1L << F_MAC | 1L << F_STATUS | 1L << Virtqueue.F_NOTIFY_ON_EMPTY
            | 1L << Virtqueue.F_ANY_LAYOUT | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX;
    /** Queue index of the receive queue. */
    public static final int RX = 0;
    /** Queue index of the transmit queue. */
    public static final int TX = 1;
    /** Size of the legacy virtio-net header without mergeable buffers. */
    public static final int HEADER = 10;
    /** Frames the receive queue holds before it drops. */
    public static final int RX_QUEUE_FRAMES = 256;
    /** Largest frame the device transmits (with header); larger ones are dropped. */
    static final int MAX_TX = 65_536 + HEADER;
    private static final int CONFIG_SIZE = 8;
    private static final int LINK_UP = 1;
    private static final int DRIVER_OK = 4;

    private final byte[] mac;
    private final NetBackend backend;
    private final VirtioMmioTransport transport;
    private final Runnable wake;
    private final ArrayBlockingQueue<byte[]> received = new ArrayBlockingQueue<>(RX_QUEUE_FRAMES);
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final AtomicLong rxDropped = new AtomicLong();
    private final byte[] header = new byte[HEADER];
    private long txFrames;
    private long rxFrames;

    /**
     * A network device at reset with address {@code mac} (6 bytes) over {@code backend}, whose rings live in
     * {@code memory}, interrupting on {@code irq}; {@code wake} asks the board to call {@link #deliverPending()} on
     * the vCPU thread (it may be called from any thread).
     */
    public VirtioNet(byte[] mac, NetBackend backend, GuestMemory memory, InterruptLine irq, Runnable wake) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        this.mac = mac.clone();
        this.backend = Objects.requireNonNull(backend);
        this.wake = Objects.requireNonNull(wake);
        this.transport = new VirtioMmioTransport(this, memory, irq);
        backend.attach(this::receive);
    }

    /**
     * Parses {@code 52:54:00:12:34:56}.
     *
     * @throws IllegalArgumentException if it is not six two-digit hexadecimal bytes separated by colons
     */
    public static byte[] parseMac(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address '" + text + "' must be six bytes like 52:54:00:12:34:56");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (!parts[i].matches("[0-9A-Fa-f]{2}")) {
                throw new IllegalArgumentException("MAC address '" + text + "' must be six bytes like 52:54:00:12:34:56");
            }
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        if ((b[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC address '" + text + "' is a multicast address");
        }
        return b;
    }

    /** The register window to map on the bus. */
    public VirtioMmioTransport mmio() {
        return transport;
    }

    /** The back end. */
    public NetBackend backend() {
        return backend;
    }

    /** The MAC address. */
    public byte[] mac() {
        return mac.clone();
    }

    /** Frames dropped on receive: queue full or buffer too small (not saved). */
    public long rxDropped() {
        return rxDropped.get();
    }

    /** Frames handed to the guest (not saved). */
    public long rxFrames() {
        return rxFrames;
    }

    /** Frames the guest transmitted (not saved). */
    public long txFrames() {
        return txFrames;
    }

    /** Back-end side: queues a copy of one received frame for the guest. Any thread. */
    public void receive(byte[] frame, int off, int len) {
        if (!received.offer(Arrays.copyOfRange(frame, off, off + len))) {
            rxDropped.incrementAndGet();
            return;
        }
        if (wakePending.compareAndSet(false, true)) {
            wake.run();
        }
    }

    /** Hands queued frames to the guest as far as it has receive buffers. vCPU thread. */
    public void deliverPending() {
        wakePending.set(false);
        transport.serviceQueue(RX);
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long hostFeatures() {
        return FEATURES;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public int readConfig(int offset) {
        return offset < 6 ? mac[offset] & 0xff : offset == 6 ? LINK_UP : 0;
    }

    /** The configuration space is read-only on a legacy device without CTRL_MAC_ADDR. */
    @Override
    public void writeConfig(int offset, int width, long value, long guestFeatures) {
    }

    @Override
    public void queueNotified(int index, Virtqueue queue) throws VirtqueueException {
        if (index == TX) {
            transmit(queue);
        } else if (index == RX && (transport.status() & DRIVER_OK) != 0) {
            fill(queue);
        }
    }

    private void transmit(Virtqueue queue) throws VirtqueueException {
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            Virtqueue.requireReadableFirst(chain);
            long len = Virtqueue.length(chain, false);
            if (len < HEADER) {
                throw new VirtqueueException("virtio-net transmit buffer without a header");
            }
            if (len <= MAX_TX) {
                byte[] frame = new byte[(int) len - HEADER];
                queue.readFrom(chain, HEADER, frame, 0, frame.length);
                backend.send(frame, 0, frame.length);
                txFrames++;
            }
            queue.push(chain.head(), 0);
        }
    }

    private void fill(Virtqueue queue) throws VirtqueueException {
        byte[] frame;
        while ((frame = received.peek()) != null) {
            Virtqueue.Chain chain = queue.pop();
            if (chain == null) {
                return;
            }
            received.poll();
            Virtqueue.requireReadableFirst(chain);
            long room = Virtqueue.length(chain, true);
            if (room < HEADER + frame.length) {
                queue.unpop();
                rxDropped.incrementAndGet();
                continue;
            }
            queue.writeTo(chain, 0, header, 0, HEADER);
            queue.writeTo(chain, HEADER, frame, 0, frame.length);
            queue.push(chain.head(), HEADER + frame.length);
            rxFrames++;
        }
    }

    /** Frames waiting for the guest are dropped: a driver that resets the device starts afresh. */
    @Override
    public void reset() {
        received.clear();
    }

    @Override
    public VirtioNetState saveState() {
        return new VirtioNetState(transport.saveState(), mac.clone());
    }

    /** Checks the transport and that the MAC address is this device's. */
    @Override
    public void validateState(VirtioNetState state) {
        transport.validateState(state.transport());
        if (!Arrays.equals(state.mac(), mac)) {
            throw new IllegalArgumentException("virtio-net state is for another MAC address");
        }
    }

    @Override
    public void restoreState(VirtioNetState state) {
        transport.restoreState(state.transport());
    }
}
