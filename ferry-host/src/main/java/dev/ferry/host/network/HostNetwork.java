package dev.ferry.host.network;

import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.net.announce.AnnounceSchedule;
import dev.ferry.net.announce.AnnounceTarget;
import dev.ferry.net.announce.Announcer;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.port.SwitchBackends;
import dev.ferry.net.port.Uplink;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.PortKind;
import dev.ferry.net.switching.SwitchPort;
import dev.ferry.net.switching.SwitchSnapshot;
import dev.ferry.net.vxlan.VxlanEndpoint;
import dev.ferry.net.vxlan.VxlanTotals;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A host's network: its virtual switch, the VXLAN endpoint that links the switch to other hosts' switches, the TAP
 * uplinks, and the announcer that tells the segment where a VM that just arrived now is. VMs' NICs with the
 * {@code switch} back end become ports of this switch ({@link #nets}).
 */
public final class HostNetwork implements AutoCloseable {

    /** How often {@link #whenAnnounced} looks at the MAC table. */
    private static final long WATCH_POLL_NANOS = 200_000;

    private final LearningSwitch sw = new LearningSwitch();
    private final NetworkSettings settings;
    private final ScheduledExecutorService timer;
    private final Announcer announcer;
    private final VxlanEndpoint vxlan;
    private final List<Uplink> uplinks = new ArrayList<>();

    private HostNetwork(NetworkSettings settings, String hostName) throws IOException {
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-announce-" + hostName);
            t.setDaemon(true);
            return t;
        });
        this.announcer = new Announcer(sw, timer, AnnounceSchedule.QEMU_DEFAULT, System::nanoTime);
        VxlanEndpoint link = null;
        try {
            if (settings.vxlan() != null) {
                link = VxlanEndpoint.open(sw, settings.vxlan(), settings.peers(), settings.vni());
            }
            for (String u : settings.uplinks()) {
                uplinks.add(Uplink.openTap(sw, u.substring("tap:".length())));
            }
        } catch (IOException | RuntimeException e) {
            if (link != null) {
                link.close();
            }
            uplinks.forEach(Uplink::close);
            timer.shutdownNow();
            throw e;
        }
        this.vxlan = link;
    }

    /**
     * Opens the switch, its VXLAN endpoint and uplinks as {@code settings} say.
     *
     * @throws IOException with a one-line message if the endpoint cannot be bound or an uplink opened
     */
    public static HostNetwork open(NetworkSettings settings, String hostName) throws IOException {
        return new HostNetwork(settings, hostName);
    }

    /** Back ends for VMs' network interfaces on this host: ports of this switch, TAP devices, or none. */
    public NetBackendFactory nets() {
        return SwitchBackends.factory(sw, NetBackendFactory.STANDARD);
    }

    /** The switch. */
    public LearningSwitch switchboard() {
        return sw;
    }

    /** The settings the network was opened with. */
    public NetworkSettings settings() {
        return settings;
    }

    /** The VXLAN endpoint, if the host has one. */
    public Optional<VxlanEndpoint> vxlan() {
        return Optional.ofNullable(vxlan);
    }

    /** The switch now, with the VXLAN endpoint's counters if there is one. */
    public SwitchSnapshot snapshot() {
        return sw.snapshot();
    }

    /** The VXLAN endpoint's counters, if there is one. */
    public Optional<VxlanTotals> vxlanTotals() {
        return vxlan().map(VxlanEndpoint::totals);
    }

    /**
     * Announces a VM that now runs here: its NICs on the switch, with the address its kernel command line gives
     * (if any), by gratuitous ARP and RARP on QEMU's announce schedule. {@code log} hears once the first round
     * went out. Returns the number of NICs announced.
     */
    public int announce(String vmName, List<NicConfig> nics, String commandLine, Consumer<String> log) {
        Inet4Address ip = VmAddress.fromKernelCommandLine(commandLine).map(HostNetwork::inet4).orElse(null);
        List<AnnounceTarget> targets = new ArrayList<>();
        for (MacAddress mac : switchMacs(nics)) {
            targets.add(new AnnounceTarget(mac, targets.isEmpty() ? ip : null));
        }
        if (targets.isEmpty()) {
            return 0;
        }
        long start = System.nanoTime();
        announcer.start(targets).firstRound().thenAccept(t -> log.accept(String.format(
                "VM %s announced on the network (%s%s), first round %.1f ms after it started here", vmName,
                targets.get(0).mac(), ip == null ? "" : ", " + ip.getHostAddress(), (t - start) / 1e6)));
        return targets.size();
    }

    /**
     * True when {@code mac} is learned behind a link to another host: a VM that left this host has been announced
     * from its new one.
     */
    public boolean learnedOnLink(MacAddress mac) {
        return sw.learnedPort(mac).map(SwitchPort::kind).filter(k -> k == PortKind.LINK).isPresent();
    }

    /**
     * Takes a VM that now runs on another host off this switch: its ports are removed at once, so from now on its
     * frames go out the links (flooded until its new host announces it) instead of to the copy left here.
     */
    public void detach(List<NicConfig> nics) {
        for (MacAddress mac : switchMacs(nics)) {
            sw.vmPort(mac).ifPresent(sw::remove);
        }
    }

    /**
     * Watches for the announcement of a VM that left this host for another: completes with the milliseconds from
     * {@code sinceNanos} (a {@link System#nanoTime} instant) until this switch learned the VM's first NIC on the
     * switch behind a link, or with {@code null} after {@code timeoutMillis}, at once when the host has no links or
     * the VM no NIC on the switch.
     */
    public CompletableFuture<Double> whenAnnounced(List<NicConfig> nics, long sinceNanos, long timeoutMillis) {
        List<MacAddress> macs = switchMacs(nics);
        if (macs.isEmpty() || vxlan == null || vxlan.linkPorts().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        MacAddress mac = macs.get(0);
        CompletableFuture<Double> seen = new CompletableFuture<>();
        Thread.ofVirtual().name("ferry-announce-watch").start(() -> {
            long deadline = sinceNanos + timeoutMillis * 1_000_000L;
            while (System.nanoTime() < deadline) {
                if (learnedOnLink(mac)) {
                    seen.complete((System.nanoTime() - sinceNanos) / 1e6);
                    return;
                }
                LockSupport.parkNanos(WATCH_POLL_NANOS);
            }
            seen.complete(null);
        });
        return seen;
    }

    private static List<MacAddress> switchMacs(List<NicConfig> nics) {
        return nics.stream().filter(n -> n.backend().equals(NicConfig.SWITCH)).map(n -> MacAddress.parse(n.mac()))
                .toList();
    }

    /** The first of {@code nics}' MACs on the switch that a VM on this host already uses, if any. */
    public Optional<String> macInUse(List<NicConfig> nics) {
        return switchMacs(nics).stream().filter(m -> sw.vmPort(m).isPresent()).map(MacAddress::toString)
                .findFirst();
    }

    /** The MAC a VM's NIC on the switch gets when the request names none: stable for the VM's name. */
    public static String defaultMac(String vmName) {
        return MacAddress.derivedFrom(vmName).toString();
    }

    private static Inet4Address inet4(VmAddress a) {
        try {
            return (Inet4Address) InetAddress.getByAddress(a.address());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        uplinks.forEach(Uplink::close);
        if (vxlan != null) {
            vxlan.close();
        }
    }
}
