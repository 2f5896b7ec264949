package dev.ferry.net.vxlan;

import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.SwitchPort;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This host's end of the VXLAN overlay (RFC 7348): a UDP socket bound to a local address, and one
 * {@link dev.ferry.net.switching.PortKind#LINK link} port of the switch per configured peer. A frame the switch
 * sends out a link is encapsulated with the endpoint's VNI and sent to that peer's address (non-blocking: a full
 * socket buffer drops it). A receiver thread decapsulates datagrams and hands the frames to the switch on the
 * sender's link port.
 *
 * <p>A datagram belongs to the peer whose configured address and port it comes from: Ferry's endpoints send from
 * the port they listen on, and a Linux {@code vxlan} device does when its source-port range is that one port
 * ({@code srcport P P+1}). Datagrams from any other address or port, with another VNI, or without a valid header
 * are dropped and counted; nothing that arrives can end the receive loop. {@link #close} ends it within
 * {@link #CLOSE_MILLIS} milliseconds plus the time one frame takes to forward.
 */
public final class VxlanEndpoint implements AutoCloseable {

    /** How often the receiver thread looks at the closed flag at the latest. */
    static final int CLOSE_MILLIS = 100;
    private static final int MAX_DATAGRAM = 65_536;

    private final LearningSwitch sw;
    private final int vni;
    private final DatagramChannel channel;
    private final Selector selector;
    private final InetSocketAddress local;
    private final Map<InetSocketAddress, SwitchPort> links = new ConcurrentHashMap<>();
    private final Thread receiver;
    private final LongAdder received = new LongAdder();
    private final LongAdder nonPeer = new LongAdder();
    private final LongAdder wrongVni = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private volatile boolean closed;

    private VxlanEndpoint(LearningSwitch sw, InetSocketAddress bind, int vni) throws IOException {
        this.sw = sw;
        this.vni = VxlanHeader.checkVni(vni);
        this.channel = DatagramChannel.open(bind.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        try {
            channel.bind(bind);
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.local = (InetSocketAddress) channel.getLocalAddress();
        this.receiver = Thread.ofPlatform().daemon().name("ferry-vxlan-" + local.getPort()).unstarted(this::run);
        receiver.start();
    }

    /**
     * Binds {@code local} (port 0 picks a free one), links {@code sw} to each of {@code peers} and starts receiving.
     *
     * @throws IOException with a one-line message if the address cannot be bound
     */
    public static VxlanEndpoint open(LearningSwitch sw, InetSocketAddress local, List<InetSocketAddress> peers,
                                     int vni) throws IOException {
        VxlanEndpoint e;
        try {
            e = new VxlanEndpoint(sw, local, vni);
        } catch (IOException ex) {
            throw new IOException("cannot bind VXLAN endpoint " + local.getHostString() + ":" + local.getPort() + ": "
                    + ex.getMessage(), ex);
        }
        try {
            peers.forEach(e::addPeer);
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    /** The bound address. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** The network identifier. */
    public int vni() {
        return vni;
    }

    /**
     * Links the switch to {@code peer} (a resolved address) and returns the link's port (for a known peer, its
     * existing port).
     *
     * @throws IllegalArgumentException if {@code peer} is not resolved
     * @throws IllegalStateException    if the endpoint is closed
     */
    public synchronized SwitchPort addPeer(InetSocketAddress peer) {
        if (peer.isUnresolved()) {
            throw new IllegalArgumentException("VXLAN peer " + peer + " is not resolved");
        }
        if (closed) {
            throw new IllegalStateException("VXLAN endpoint " + format(local) + " is closed");
        }
        return links.computeIfAbsent(peer, p -> sw.addLinkPort("vxlan:" + format(p),
                (frame, off, len) -> send(p, frame, off, len)));
    }

    /** The link ports, one per peer. */
    public List<SwitchPort> linkPorts() {
        return List.copyOf(links.values());
    }

    /** The endpoint's counters now. */
    public VxlanTotals totals() {
        return new VxlanTotals(received.sum(), nonPeer.sum(), wrongVni.sum(), malformed.sum(), sendFailures.sum(),
                errors.sum());
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet4Address ? host : "[" + host + "]") + ":" + a.getPort();
    }

    private boolean send(InetSocketAddress peer, byte[] frame, int off, int len) {
        if (closed) {
            return false;
        }
        try {
            if (channel.send(ByteBuffer.wrap(VxlanHeader.encapsulate(vni, frame, off, len)), peer) > 0) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // counted below: a link that cannot send drops the frame
        }
        sendFailures.increment();
        return false;
    }

    private void run() {
        byte[] bytes = new byte[MAX_DATAGRAM];
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (!closed) {
            try {
                selector.select(CLOSE_MILLIS);
                selector.selectedKeys().clear();
                SocketAddress from;
                while (!closed && (from = channel.receive(buf.clear())) != null) {
                    handle((InetSocketAddress) from, bytes, buf.position());
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                errors.increment();
            }
        }
    }

    private void handle(InetSocketAddress from, byte[] packet, int len) {
        received.increment();
        SwitchPort link = links.get(from);
        if (link == null) {
            nonPeer.increment();
            return;
        }
        int v = VxlanHeader.vni(packet, 0, len);
        if (v == VxlanHeader.INVALID) {
            malformed.increment();
        } else if (v != vni) {
            wrongVni.increment();
        } else {
            sw.receive(link, packet, VxlanHeader.LENGTH, len - VxlanHeader.LENGTH);
        }
    }

    /** Stops receiving (within about {@link #CLOSE_MILLIS} ms), removes the link ports and closes the socket. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        try {
            receiver.join(10L * CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        links.values().forEach(sw::remove);
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            // the socket is gone either way
        }
    }
}
