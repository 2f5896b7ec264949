package dev.ferry.net.switching;

import dev.ferry.net.frame.EthernetFrame;
import dev.ferry.net.frame.MacAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A host's virtual Ethernet switch: learns which port each source MAC is behind, sends a unicast frame to the port
 * its destination was learned on, and floods broadcast, multicast and unknown-destination frames to every other
 * port, except that a frame from a {@link PortKind#LINK link} never goes out another link (hosts form a full mesh,
 * so every host already got it: split horizon).
 *
 * <p>A VM port accepts only frames from the VM's MAC (others are dropped and counted as spoofed) and at most its
 * {@link RateLimit}; frames of a bad length or from a group address are dropped and counted as malformed. The work
 * of a frame is done on the thread that hands it in ({@link #receive}), with no locks but the sending port's rate
 * limiter, and output ports must not block, so a flooding VM costs its own vCPU thread, not other ports.
 *
 * <p>Learned addresses age out after the ageing time of an injected nanosecond clock; {@link #remove} forgets
 * those of the removed port, so after a VM leaves its frames are flooded until it is learned elsewhere (its new
 * host announces it). Per-port counters and a per-pair traffic matrix are read with {@link #snapshot}. The matrix
 * counts unicast frames as they enter from a VM port, so across a cluster each frame is counted once, by the
 * switch of its sender's host, and the hosts' matrices add up.
 */
public final class LearningSwitch {

    /** Default ageing time of learned addresses, as Linux bridges and most switches use. */
    public static final long DEFAULT_AGEING_NANOS = 300_000_000_000L;
    /** Default bound of the MAC table. */
    public static final int DEFAULT_MAC_CAPACITY = 8192;
    /** Default bound of the traffic matrix. */
    public static final int DEFAULT_PAIR_CAPACITY = 16_384;

    private final LongSupplier clock;
    private final MacTable table;
    private final TrafficMatrix traffic;
    private final List<SwitchPort> ports = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger(1);

    /** A switch on the system's monotonic clock with the default ageing time. */
    public LearningSwitch() {
        this(System::nanoTime, DEFAULT_AGEING_NANOS);
    }

    /** A switch on {@code clock} (nanoseconds) whose learned addresses age out after {@code ageingNanos}. */
    public LearningSwitch(LongSupplier clock, long ageingNanos) {
        this(clock, ageingNanos, DEFAULT_MAC_CAPACITY, DEFAULT_PAIR_CAPACITY);
    }

    /** As {@link #LearningSwitch(LongSupplier, long)}, with bounds for the MAC table and the traffic matrix. */
    public LearningSwitch(LongSupplier clock, long ageingNanos, int macCapacity, int pairCapacity) {
        if (ageingNanos <= 0 || macCapacity <= 0 || pairCapacity <= 0) {
            throw new IllegalArgumentException("ageing time and capacities must be positive");
        }
        this.clock = clock;
        this.table = new MacTable(ageingNanos, macCapacity);
        this.traffic = new TrafficMatrix(pairCapacity);
    }

    /** Adds a port for the VM whose MAC is {@code mac}, limited to {@code limit}; its output goes to {@code egress}. */
    public SwitchPort addVmPort(String name, MacAddress mac, RateLimit limit, SwitchPort.Egress egress) {
        if (!mac.isUnicast()) {
            throw new IllegalArgumentException("a VM's MAC must be unicast, not " + mac);
        }
        return add(PortKind.VM, name, mac, egress, new TokenBucket(limit, clock.getAsLong()));
    }

    /** Adds a port to another host's switch; its output goes to {@code egress}. */
    public SwitchPort addLinkPort(String name, SwitchPort.Egress egress) {
        return add(PortKind.LINK, name, null, egress, null);
    }

    /** Adds an uplink into the host network; its output goes to {@code egress}. */
    public SwitchPort addUplinkPort(String name, SwitchPort.Egress egress) {
        return add(PortKind.UPLINK, name, null, egress, null);
    }

    private SwitchPort add(PortKind kind, String name, MacAddress mac, SwitchPort.Egress egress, TokenBucket b) {
        SwitchPort p = new SwitchPort(nextId.getAndIncrement(), kind, name, mac, egress, b);
        ports.add(p);
        return p;
    }

    /**
     * Removes {@code port}: frames handed to the switch after this returns neither go out of it nor are taken from
     * it, and every address learned on it is forgotten. (A frame being forwarded by another thread at that moment
     * may still reach the port's output; {@link dev.ferry.net.port.VmPortBackend#close} detaches first, so a VM
     * gets nothing after its back end is closed.) Idempotent.
     */
    public void remove(SwitchPort port) {
        port.markRemoved();
        ports.remove(port);
        table.forget(port);
    }

    /** The VM port whose VM has MAC {@code mac} (the most recently added one if several). */
    public Optional<SwitchPort> vmPort(MacAddress mac) {
        SwitchPort found = null;
        for (SwitchPort p : ports) {
            if (p.kind() == PortKind.VM && p.mac().orElseThrow().equals(mac)) {
                found = p;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * The port {@code mac} is learned behind now, if its entry is live; unlike forwarding, this looking up learns
     * nothing and refreshes nothing.
     */
    public Optional<SwitchPort> learnedPort(MacAddress mac) {
        return Optional.ofNullable(table.lookup(mac.bits(), clock.getAsLong()));
    }

    /** The ports now, in the order they were added. */
    public List<SwitchPort> ports() {
        return List.copyOf(ports);
    }

    /** A frame that arrived on {@code port}: checked, learned from, counted and forwarded. Any thread. */
    public void receive(SwitchPort port, byte[] frame, int off, int len) {
        handle(port, frame, off, len, true);
    }

    /**
     * A frame the host itself sends on {@code port}'s behalf (announcements of a VM that moved here): checked and
     * forwarded like {@link #receive} but not rate limited, so a guest that floods cannot suppress its own
     * announcement.
     */
    public void inject(SwitchPort port, byte[] frame, int off, int len) {
        handle(port, frame, off, len, false);
    }

    private void handle(SwitchPort in, byte[] frame, int off, int len, boolean limited) {
        if (in.removed()) {
            return;
        }
        PortCounters c = in.counters();
        if (!EthernetFrame.isWellFormed(len)) {
            c.dropped(DropReason.MALFORMED);
            return;
        }
        long dst = EthernetFrame.destination(frame, off, len);
        long src = EthernetFrame.source(frame, off, len);
        if (!in.allowsSource(src)) {
            c.dropped(DropReason.SPOOFED);
            return;
        }
        if (MacAddress.isGroup(src)) {
            c.dropped(DropReason.MALFORMED);
            return;
        }
        long now = clock.getAsLong();
        if (limited && !in.admit(len, now)) {
            c.dropped(DropReason.RATE_LIMITED);
            return;
        }
        c.received(len);
        table.learn(src, in, now);
        if (MacAddress.isGroup(dst)) {
            flood(in, frame, off, len);
            return;
        }
        if (in.kind() == PortKind.VM) {
            traffic.add(src, dst, len);
        }
        SwitchPort out = table.lookup(dst, now);
        if (out == null) {
            flood(in, frame, off, len);
        } else if (out != in) {
            out.deliver(frame, off, len);
        }
    }

    private void flood(SwitchPort in, byte[] frame, int off, int len) {
        boolean fromLink = in.kind() == PortKind.LINK;
        for (SwitchPort p : ports) {
            if (p != in && !(fromLink && p.kind() == PortKind.LINK)) {
                p.deliver(frame, off, len);
            }
        }
    }

    /** The switch now: ports and counters, live MAC entries with their ages, traffic matrix. */
    public SwitchSnapshot snapshot() {
        long now = clock.getAsLong();
        List<SwitchSnapshot.PortView> views = ports.stream()
                .map(p -> new SwitchSnapshot.PortView(p.id(), p.kind(), p.name(), p.mac().orElse(null), p.totals()))
                .toList();
        return new SwitchSnapshot(views, table.entries(now), traffic.pairs(), table.refused());
    }
}
