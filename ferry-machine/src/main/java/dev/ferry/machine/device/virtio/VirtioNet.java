package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A virtio network device (device id 1) on the legacy virtio-mmio transport, over a {@link NetBackend}, as QEMU
 * 7.2's {@code virtio-net-device} behaves with a back end that has no virtio header: the same features
 * ({@code 0x39bf_8064}, checked with a probe guest on QEMU with no back end and with
 * {@code -netdev tap,...,vnet_hdr=off}; QEMU's default {@code vnet_hdr=on} adds checksum and segmentation
 * offloads), queues receive (0), transmit (1) and control (2), and an 8-byte configuration space (MAC address,
 * status: link up, announce).
 *
 * <p>Every buffer starts with the legacy {@code virtio_net_hdr}: 10 bytes, 12 with MRG_RXBUF (then a received
 * frame may span several receive buffers and {@code num_buffers} says how many). No checksum or segmentation
 * offload is done: the header is zeros on receive and dropped on transmit. The control queue sets the receive
 * filter ({@link NetFilter}); the guest may also write the MAC address in the configuration space while it has not
 * taken CTRL_MAC_ADDR. {@link #announce()} asks a guest that took GUEST_ANNOUNCE to send gratuitous ARPs, as QEMU
 * does after a migration.
 *
 * <p>Received frames wait in a bounded queue ({@link #RX_QUEUE_FRAMES}); when it is full a frame is dropped and
 * counted. They enter the guest on the vCPU thread: the back end's thread queues a frame and calls {@code wake},
 * which the board turns into a safepoint task calling {@link #deliverPending()}; buffers the driver adds also
 * drain the queue. A frame waits while the driver is not ready or has too little buffer space; a frame the filter
 * refuses is dropped silently; without mergeable buffers a frame larger than the next buffer is dropped (counted)
 * and the buffer kept, as on QEMU.
 */
public final class VirtioNet implements VirtioDevice, Snapshottable<VirtioNetState> {

    /** Virtio device id of a network card. */
    public static final int DEVICE_ID = 1;
    /** Feature: guest offloads are set through the control queue. */
    public static final int F_CTRL_GUEST_OFFLOADS = 2;
    /** Feature: the configuration space holds the MAC address. */
    public static final int F_MAC = 5;
    /** Feature (legacy): the device handles any GSO type. */
    public static final int F_GSO = 6;
    /** Feature: received frames may span several buffers. */
    public static final int F_MRG_RXBUF = 15;
    /** Feature: the configuration space holds the link status. */
    public static final int F_STATUS = 16;
    /** Feature: a control queue exists. */
    public static final int F_CTRL_VQ = 17;
    /** Feature: control commands for the RX mode. */
    public static final int F_CTRL_RX = 18;
    /** Feature: control commands for VLAN filtering. */
    public static final int F_CTRL_VLAN = 19;
    /** Feature: extra RX mode commands. */
    public static final int F_CTRL_RX_EXTRA = 20;
    /** Feature: the guest announces itself when asked. */
    public static final int F_GUEST_ANNOUNCE = 21;
    /** Feature: the MAC address is set through the control queue. */
    public static final int F_CTRL_MAC_ADDR = 23;
    /** Features offered, as QEMU 7.2 offers them with a back end without virtio header. */
    public static final long FEATURES = 1L << F_CTRL_GUEST_OFFLOADS | 1L << F_MAC | 1L << F_GSO | 1L << F_MRG_RXBUF
            | 1L << F_STATUS | 1L << F_CTRL_VQ | 1L << F_CTRL_RX | 1L << F_CTRL_VLAN | 1L << F_CTRL_RX_EXTRA
            | 1L << F_GUEST_ANNOUNCE | 1L << F_CTRL_MAC_ADDR | 1L << Virtqueue.F_NOTIFY_ON_EMPTY
            | 1L << Virtqueue.F_ANY_LAYOUT | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX;
    /** Queue index of the receive queue. */
    public static final int RX = 0;
    /** Queue index of the transmit queue. */
    public static final int TX = 1;
    /** Queue index of the control queue. */
    public static final int CTRL = 2;
    /** Size of the legacy virtio-net header without mergeable buffers. */
    public static final int HEADER = 10;
    /** Size of the legacy virtio-net header with mergeable buffers. */
    public static final int MRG_HEADER = 12;
    /** Frames the receive queue holds before it drops. */
    public static final int RX_QUEUE_FRAMES = 256;
    /** Largest frame the device transmits; larger ones are dropped. */
    static final int MAX_FRAME = 65_536;
    private static final int CONFIG_SIZE = 8;
    private static final int STATUS_LINK_UP = 1;
    private static final int STATUS_ANNOUNCE = 2;
    private static final int DRIVER_OK = 4;

    private final byte[] mac;
    private final NetBackend backend;
    private final VirtioMmioTransport transport;
    private final Runnable wake;
    private final NetFilter filter;
    private final ArrayBlockingQueue<byte[]> received = new ArrayBlockingQueue<>(RX_QUEUE_FRAMES);
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final AtomicLong rxDropped = new AtomicLong();
    private boolean announcing;
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
        this.filter = new NetFilter(mac);
        this.backend = Objects.requireNonNull(backend);
        this.wake = Objects.requireNonNull(wake);
        this.transport = new VirtioMmioTransport(this, memory, irq);
        backend.attach(this::receive);
    }

    /**
     * Parses {@code 52:54:00:12:34:56}.
     *
     * @throws IllegalArgumentException if it is not six two-digit hexadecimal bytes separated by colons, or multicast
     */
    public static byte[] parseMac(String text) {
        String[] parts = text.split(":", -1);
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts.length != 6 || !parts[i].matches("[0-9A-Fa-f]{2}")) {
                throw new IllegalArgumentException("MAC address '" + text
                        + "' must be six bytes like 52:54:00:12:34:56");
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

    /** The MAC address the guest uses now (the configured one unless the driver changed it). */
    public byte[] mac() {
        return filter.mac().clone();
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

    /**
     * Asks the guest to announce itself (gratuitous ARP), as QEMU does on the target after a migration, if its
     * driver took GUEST_ANNOUNCE and the control queue; returns whether it was asked. vCPU thread or stopped.
     */
    public boolean announce() {
        long f = transport.guestFeatures();
        if ((f & 1L << F_GUEST_ANNOUNCE) == 0 || (f & 1L << F_CTRL_VQ) == 0) {
            return false;
        }
        announcing = true;
        transport.raise(VirtioMmioTransport.INT_CONFIG);
        return true;
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
        return 3;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public int readConfig(int offset) {
        return offset < 6 ? filter.mac()[offset] & 0xff
                : offset == 6 ? STATUS_LINK_UP | (announcing ? STATUS_ANNOUNCE : 0) : 0;
    }

    /** A legacy driver without CTRL_MAC_ADDR sets the MAC address by writing it here, as on QEMU. */
    @Override
    public void writeConfig(int offset, int width, long value, long guestFeatures) {
        if ((guestFeatures & 1L << F_CTRL_MAC_ADDR) != 0) {
            return;
        }
        for (int i = 0; i < width; i++) {
            if (offset + i < 6) {
                filter.setMac(offset + i, (byte) (value >>> (8 * i)));
            }
        }
    }

    @Override
    public void featuresAccepted(long guestFeatures) {
        filter.featuresAccepted((guestFeatures & 1L << F_CTRL_VLAN) != 0);
    }

    private int headerLength() {
        return (transport.guestFeatures() & 1L << F_MRG_RXBUF) != 0 ? MRG_HEADER : HEADER;
    }

    @Override
    public void queueNotified(int index, Virtqueue queue) throws VirtqueueException {
        switch (index) {
            case TX -> transmit(queue);
            case RX -> {
                if ((transport.status() & DRIVER_OK) != 0) {
                    fill(queue);
                }
            }
            case CTRL -> control(queue);
            default -> {
            }
        }
    }

    private void transmit(Virtqueue queue) throws VirtqueueException {
        int hdr = headerLength();
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            Virtqueue.requireReadableFirst(chain);
            long len = Virtqueue.length(chain, false);
            if (len < hdr) {
                throw new VirtqueueException("virtio-net transmit buffer without a header");
            }
            if (len - hdr <= MAX_FRAME) {
                byte[] frame = new byte[(int) len - hdr];
                queue.readFrom(chain, hdr, frame, 0, frame.length);
                backend.send(frame, 0, frame.length);
                txFrames++;
            }
            queue.push(chain.head(), 0);
        }
    }

    private void fill(Virtqueue queue) throws VirtqueueException {
        boolean mergeable = headerLength() == MRG_HEADER;
        byte[] frame;
        while ((frame = received.peek()) != null) {
            if (!filter.accepts(frame)) {
                received.poll();
                continue;
            }
            if (!(mergeable ? fillMergeable(queue, frame) : fillOne(queue, frame))) {
                return;
            }
        }
    }

    /** One chain per frame; false when the guest has no buffer (the frame waits). */
    private boolean fillOne(Virtqueue queue, byte[] frame) throws VirtqueueException {
        Virtqueue.Chain chain = queue.pop();
        if (chain == null) {
            return false;
        }
        received.poll();
        Virtqueue.requireReadableFirst(chain);
        if (Virtqueue.length(chain, true) < HEADER + frame.length) {
            queue.unpop(1);
            rxDropped.incrementAndGet();
            return true;
        }
        queue.writeTo(chain, 0, new byte[HEADER], 0, HEADER);
        queue.writeTo(chain, HEADER, frame, 0, frame.length);
        queue.push(chain.head(), HEADER + frame.length);
        rxFrames++;
        return true;
    }

    /** As many chains as the frame needs; false, with the chains put back, when the guest has too few. */
    private boolean fillMergeable(Virtqueue queue, byte[] frame) throws VirtqueueException {
        List<Virtqueue.Chain> chains = new ArrayList<>();
        long room = 0;
        while (room < MRG_HEADER + frame.length) {
            Virtqueue.Chain c = queue.pop();
            if (c == null) {
                queue.unpop(chains.size());
                return false;
            }
            Virtqueue.requireReadableFirst(c);
            chains.add(c);
            room += Virtqueue.length(c, true);
        }
        received.poll();
        byte[] header = new byte[MRG_HEADER];
        header[HEADER] = (byte) chains.size();
        header[HEADER + 1] = (byte) (chains.size() >>> 8);
        int done = 0;
        int[] lengths = new int[chains.size()];
        for (int i = 0; i < chains.size(); i++) {
            Virtqueue.Chain c = chains.get(i);
            int at = 0;
            if (i == 0) {
                queue.writeTo(c, 0, header, 0, MRG_HEADER);
                at = MRG_HEADER;
            }
            int n = (int) Math.min(frame.length - done, Virtqueue.length(c, true) - at);
            queue.writeTo(c, at, frame, done, n);
            done += n;
            lengths[i] = at + n;
        }
        for (int i = 0; i < chains.size(); i++) {
            queue.push(chains.get(i).head(), lengths[i]);
        }
        rxFrames++;
        return true;
    }

    private void control(Virtqueue queue) throws VirtqueueException {
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            Virtqueue.requireReadableFirst(chain);
            long out = Virtqueue.length(chain, false);
            long in = Virtqueue.length(chain, true);
            if (out < 2 || in < 1) {
                throw new VirtqueueException("virtio-net control request without header or ack");
            }
            byte[] head = new byte[2];
            queue.readFrom(chain, 0, head, 0, 2);
            byte[] data = new byte[(int) Math.min(out - 2, 1 << 20)];
            queue.readFrom(chain, 2, data, 0, data.length);
            int ack = filter.command(head[0] & 0xff, head[1] & 0xff, data, announcing, () -> announcing = false);
            queue.writeTo(chain, 0, new byte[] {(byte) ack}, 0, 1);
            queue.push(chain.head(), 1);
        }
    }

    /** Frames waiting for the guest and the filter go back to their reset state. */
    @Override
    public void reset() {
        received.clear();
        filter.reset();
        announcing = false;
    }

    @Override
    public VirtioNetState saveState() {
        return new VirtioNetState(transport.saveState(), mac.clone(), filter.save(), announcing);
    }

    /** Checks the transport, the filter, and that the configured MAC address is this device's. */
    @Override
    public void validateState(VirtioNetState state) {
        transport.validateState(state.transport());
        NetFilter.validate(state.filter());
        if (!Arrays.equals(state.mac(), mac)) {
            throw new IllegalArgumentException("virtio-net state is for another MAC address");
        }
    }

    @Override
    public void restoreState(VirtioNetState state) {
        transport.restoreState(state.transport());
        filter.restore(state.filter());
        announcing = state.announcing();
    }
}
