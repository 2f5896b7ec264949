package dev.ferry.host.clone;

import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.CloneRequest;
import dev.ferry.host.api.CloneResult;
import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.VmAddress;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmRegistry;
import dev.ferry.machine.board.DeviceAttachException;
import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.CloneIdentity;
import dev.ferry.machine.device.virtio.NetFilterState;
import dev.ferry.machine.device.virtio.VirtioNetState;
import dev.ferry.machine.memory.DirtyBitmap;
import dev.ferry.machine.memory.DirtyLog;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.memory.RamSnapshot;
import dev.ferry.machine.state.EncodedComponent;
import dev.ferry.machine.state.StateFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Makes running clones of a VM on this host ({@code POST /v1/vms/NAME/clone}). The parent's RAM is copied into a
 * {@link RamSnapshot} while it runs; it is then paused only while its device state is encoded and the pages it
 * wrote meanwhile are copied again. Every clone maps that snapshot
 * privately, so the clones share the parent's pages until they write them, restores the parent's device records
 * (its NICs under the clone's own MAC), gets a new identity in its {@link CloneIdentity} registers (generation,
 * MAC, {@code ip=} value, name) and starts. NBD and read-only disks are shared as they are; writable disk files
 * are snapshotted live in the same pause ({@link LiveDiskSnapshot}). Making the
 * clones is all or nothing (except the parent's switch to its overlay, which stays).
 */
public final class VmCloner {

    private final VmRegistry registry;
    private final HostNetwork network;
    private final Supplier<DeviceBackends> backends;
    private final Path disksDir;
    private final Consumer<String> log;

    /**
     * A cloner for the VMs in {@code registry}, on {@code network}, with disks and NICs from {@code backends}; the
     * overlays of live disk snapshots go to {@code disksDir}.
     */
    public VmCloner(VmRegistry registry, HostNetwork network, Supplier<DeviceBackends> backends, Path disksDir,
            Consumer<String> log) {
        this.registry = registry;
        this.network = network;
        this.backends = backends;
        this.disksDir = disksDir;
        this.log = log;
    }

    /**
     * Makes the clones {@code req} asks for of {@code parent} and starts them.
     *
     * @throws ApiException 400 for a bad request, 409 when the VM cannot be cloned now (it migrates, has powered
     *                      off, has a TAP NIC) or a clone's name, MAC or disk overlay is taken
     */
    public CloneResult cloneVm(HostedVm parent, CloneRequest req) {
        long t0 = System.nanoTime();
        if (req == null || req.count() == null) {
            throw ApiException.badRequest("count: say how many clones to make (1 to " + ClonePlan.MAX_COUNT + ")");
        }
        VirtMachine machine = parent.runner().machine();
        MachineConfig config = machine.config();
        Optional<VmAddress> address = VmAddress.fromKernelCommandLine(config.bootArgs());
        List<ClonePlan.Spec> specs;
        try {
            specs = ClonePlan.plan(parent.name(), req.count(), req.prefix(), address, req.ips());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        checkCloneable(parent, config);
        LiveDiskSnapshot disks = LiveDiskSnapshot.of(parent.name(), config, disksDir);
        List<MachineConfig> configs = new ArrayList<>(specs.size());
        for (ClonePlan.Spec s : specs) {
            MachineConfig c = configFor(config, s, disks.drivesFor(s.name(), config.drives()));
            network.macInUse(c.nics()).ifPresent(mac -> {
                throw ApiException.conflict("MAC " + mac + " (of clone " + s.name() + ") is in use by another VM on "
                        + "this host's switch");
            });
            configs.add(c);
        }
        List<String> reserved = new ArrayList<>();
        for (ClonePlan.Spec s : specs) {
            if (!registry.reserve(s.name())) {
                reserved.forEach(registry::release);
                throw ApiException.conflict("a VM named '" + s.name() + "' already exists on this host; nothing was "
                        + "cloned (give another prefix)");
            }
            reserved.add(s.name());
        }
        List<HostedVm> started = new ArrayList<>();
        List<Path> overlays = new ArrayList<>();
        try {
            Captured captured = capture(parent, disks);
            double pauseMs = captured.pauseMs();
            List<CloneResult.Clone> made = new ArrayList<>();
            try (RamSnapshot snapshot = captured.ram()) {
                for (int i = 0; i < specs.size(); i++) {
                    long c0 = System.nanoTime();
                    ClonePlan.Spec spec = specs.get(i);
                    disks.createOverlays(spec.name(), overlays);
                    HostedVm vm = start(parent, spec, configs.get(i), captured, snapshot);
                    started.add(vm);
                    CloneIdentity id = vm.runner().machine().identity();
                    made.add(new CloneResult.Clone(spec.name(), configs.get(i).nics().stream()
                            .filter(n -> n.backend().equals(NicConfig.SWITCH)).map(NicConfig::mac).findFirst()
                            .orElse(null), spec.address() == null ? null : spec.address().toString(),
                            id == null ? 0 : id.identity().generation(), (System.nanoTime() - c0) / 1e6));
                }
                double totalMs = (System.nanoTime() - t0) / 1e6;
                log.accept(String.format(Locale.ROOT, "VM %s cloned %d times (%s .. %s): RAM copied while it ran in "
                        + "%.1f ms, then paused %.1f ms (device state %.1f ms, %d pages copied again in %.1f ms), %d MiB "
                        + "shared, %.1f ms in all", parent.name(), specs.size(), specs.getFirst().name(),
                        specs.getLast().name(), captured.draftMs(), pauseMs, captured.encodeMs(),
                        captured.pagesRecopied(), captured.copyMs(), snapshot.bytesCopied() >> 20, totalMs));
                return new CloneResult(parent.name(), pauseMs, snapshot.bytesCopied(), totalMs, made);
            }
        } catch (RuntimeException e) {
            for (HostedVm vm : started) {
                if (registry.remove(vm)) {
                    vm.discard();
                }
            }
            for (String name : reserved) {
                registry.release(name);
            }
            for (Path overlay : overlays) {
                try {
                    Files.deleteIfExists(overlay);
                } catch (IOException ignored) {
                    log.accept("clone: could not remove overlay " + overlay + " of a clone that was not made");
                }
            }
            throw e;
        }
    }

    /**
     * The parent's device records and RAM at one instant, and what taking them cost: the copy while it ran, the
     * pause (from the parked vCPU to its release), and in it the encoding and the copy of the pages written
     * meanwhile (all of them without a draft).
     */
    private record Captured(List<EncodedComponent> components, RamSnapshot ram, double draftMs, double pauseMs,
            double encodeMs, double copyMs, int pagesRecopied) { }

    /**
     * Takes the parent's device records and RAM, and snapshots its disks. The RAM is copied while the parent runs,
     * with its dirty log claimed; the pause then copies again only the pages written meanwhile. When another party
     * holds the dirty log (a dirty-rate sample), all of the RAM is copied in the pause instead.
     */
    private Captured capture(HostedVm parent, LiveDiskSnapshot disks) {
        VirtMachine m = parent.runner().machine();
        try {
            return parent.exclusively("clone", () -> {
                DirtyLog dirty = parent.runner().atSafepoint(() -> {
                    try {
                        return m.memory().claimDirtyLog("clone of " + parent.name());
                    } catch (IllegalStateException inUse) {
                        return null;
                    }
                });
                long d0 = System.nanoTime();
                try (RamSnapshot.Draft draft = dirty == null ? null : RamSnapshot.draft(m.memory())) {
                    double draftMs = (System.nanoTime() - d0) / 1e6;
                    return parent.parked("clone", () -> {
                        if (m.poweredOff()) {
                            throw ApiException.conflict("VM " + parent.name() + " has powered off; there is nothing "
                                    + "to clone");
                        }
                        long t0 = System.nanoTime();
                        List<EncodedComponent> components = m.roster().encode();
                        long t1 = System.nanoTime();
                        int recopied = dirty == null ? m.memory().pageCount() : 0;
                        RamSnapshot ram;
                        if (draft == null) {
                            ram = RamSnapshot.of(m.memory());
                        } else {
                            DirtyBitmap written = dirty.harvest();
                            recopied = written.cardinality();
                            ram = draft.complete(written);
                        }
                        long t2 = System.nanoTime();
                        try {
                            disks.take(m, backends.get().disks(), log);
                        } catch (RuntimeException e) {
                            ram.close();
                            throw e;
                        }
                        return new Captured(components, ram, draftMs, (System.nanoTime() - t0) / 1e6, (t1 - t0) / 1e6,
                                (t2 - t1) / 1e6, recopied);
                    });
                } finally {
                    if (dirty != null) {
                        parent.runner().atSafepoint(() -> {
                            dirty.close();
                            return null;
                        });
                    }
                }
            });
        } catch (IllegalStateException e) {
            throw ApiException.conflict("VM " + parent.name() + " cannot be cloned now: " + e.getMessage());
        }
    }

    private HostedVm start(HostedVm parent, ClonePlan.Spec spec, MachineConfig config, Captured captured,
            RamSnapshot snapshot) {
        ConsoleBuffer console = new ConsoleBuffer();
        MachineConfig withConsole = new MachineConfig(config.ramSize(), config.deterministic(), config.bootArgs(),
                console, config.balloon(), config.drives(), config.nics(), config.rng(), config.mrom());
        VirtMachine machine;
        try {
            machine = new VirtMachine(withConsole, backends.get(), new GuestMemory(snapshot));
        } catch (DeviceAttachException e) {
            throw ApiException.conflict("clone " + spec.name() + ": " + e.getMessage());
        }
        try {
            machine.restoreComponents(machine.roster().check(withMacs(captured.components(),
                    parent.runner().machine().config().nics(), config.nics())));
            CloneIdentity identity = machine.identity();
            if (identity != null) {
                identity.assign(macBytes(spec.mac()), spec.address() == null ? ""
                        : spec.address().kernelParameter().substring("ip=".length()), spec.name());
            }
        } catch (StateFormatException | RuntimeException e) {
            machine.close();
            throw new IllegalStateException("clone " + spec.name() + " could not take VM " + parent.name()
                    + "'s state: " + e.getMessage(), e);
        }
        VmRunner runner = new VmRunner(machine, spec.name(), parent.runner().instructionLimit());
        HostedVm vm = new HostedVm(spec.name(), parent.image(), runner, console);
        registry.add(vm);
        runner.start();
        return vm;
    }

    /** The parent's records with each NIC's state under the clone's MAC for that NIC. */
    private static List<EncodedComponent> withMacs(List<EncodedComponent> components, List<NicConfig> parentNics,
            List<NicConfig> cloneNics) throws StateFormatException {
        List<EncodedComponent> out = new ArrayList<>(components.size());
        for (EncodedComponent c : components) {
            if (!c.type().equals(VirtioNetState.class.getName())) {
                out.add(c);
                continue;
            }
            VirtioNetState s = c.decode(VirtioNetState.class);
            byte[] mac = s.mac();
            for (int i = 0; i < parentNics.size(); i++) {
                if (Arrays.equals(macBytes(parentNics.get(i).mac()), s.mac())) {
                    mac = macBytes(cloneNics.get(i).mac());
                }
            }
            NetFilterState f = s.filter();
            NetFilterState filter = new NetFilterState(mac.clone(), f.rxMode(), f.macTable(), f.firstMulti(),
                    f.uniOverflow(), f.multiOverflow(), f.vlans());
            out.add(EncodedComponent.of(c.id(), new VirtioNetState(s.transport(), mac, filter, s.announcing())));
        }
        return out;
    }

    /** Refuses a VM whose clones could not run beside it. */
    private static void checkCloneable(HostedVm parent, MachineConfig config) {
        String name = parent.name();
        if (parent.migrationId() != null) {
            throw ApiException.conflict("VM " + name + " is migrating (migration " + parent.migrationId()
                    + "); clone it when the migration has ended");
        }
        VmRunner.RunState state = parent.runner().state();
        if (state == VmRunner.RunState.POWERED_OFF || state == VmRunner.RunState.CLOSED) {
            throw ApiException.conflict("VM " + name + " has " + (state == VmRunner.RunState.CLOSED ? "been closed"
                    : "powered off") + "; there is nothing to clone");
        }
        if (!RamSnapshot.supported()) {
            throw ApiException.conflict("cloning needs Linux (memory files shared copy-on-write)");
        }
        for (NicConfig n : config.nics()) {
            if (n.backend().startsWith("tap:")) {
                throw ApiException.conflict("VM " + name + " has a NIC on TAP device " + n.backend().substring(4)
                        + ", which a clone cannot share; clone VMs whose NICs are on the host's switch");
            }
        }
        if (parent.runner().machine().identity() == null && config.nics().stream()
                .anyMatch(n -> n.backend().equals(NicConfig.SWITCH))) {
            throw ApiException.conflict("VM " + name + " has no identity registers (it booted no kernel), so its "
                    + "clones could not learn their own MAC addresses");
        }
    }

    /** The parent's configuration for one clone: its MAC on the switch, its {@code ip=} and these drives. */
    private static MachineConfig configFor(MachineConfig parent, ClonePlan.Spec spec, List<DriveConfig> drives) {
        List<NicConfig> nics = new ArrayList<>();
        for (NicConfig n : parent.nics()) {
            nics.add(n.backend().equals(NicConfig.SWITCH) ? new NicConfig(spec.mac(), NicConfig.SWITCH) : n);
        }
        String args = parent.bootArgs();
        if (spec.address() != null) {
            args = args.replaceAll("(^|\\s)ip=\\S*", "$1" + spec.address().kernelParameter());
        }
        return new MachineConfig(parent.ramSize(), parent.deterministic(), args, parent.console(), parent.balloon(),
                drives, nics, parent.rng(), parent.mrom());
    }

    private static byte[] macBytes(String mac) {
        return HexFormat.ofDelimiter(":").parseHex(mac);
    }
}
