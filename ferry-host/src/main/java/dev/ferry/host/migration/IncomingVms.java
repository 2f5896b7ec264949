package dev.ferry.host.migration;

import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmOrigin;
import dev.ferry.host.vm.VmRegistry;
import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.IncomingVmHandler;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.machine.device.block.BlockBackendException;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How this host takes in VMs that migrate to it: checks that their disk files are in this host's image directory
 * (as a VM created here must have them; an NBD disk is shared storage that this host opens itself), reserves the name, gives a console (which starts with the output the VM
 * printed on its source), registers the VM.
 */
public final class IncomingVms implements IncomingVmHandler {

    private final VmRegistry registry;
    private final GuestImages images;
    private final Consumer<String> log;
    private final HostNetwork network;
    private final DeviceBackends backends;
    private final Map<String, ConsoleBuffer> consoles = new ConcurrentHashMap<>();
    private final Map<String, Boolean> reservations = new ConcurrentHashMap<>();
    private final Map<String, List<Path>> created = new ConcurrentHashMap<>();
    private final Path disks;
    private final Function<VmDescriptor, VmOrigin.BootMedia> media;

    /**
     * Registers arriving VMs in {@code registry}, taking only disk files inside {@code images}' directory (disks
     * copied with a VM are created in {@code disks}), opens their disks and NICs through {@code backends}, announces
     * them on {@code network}'s switch, gives each the files its image names on this host as its origin
     * ({@code media}: {@code null} when there are none), and reports events to {@code log}.
     */
    public IncomingVms(VmRegistry registry, GuestImages images, HostNetwork network, DeviceBackends backends,
            Path disks, Function<VmDescriptor, VmOrigin.BootMedia> media, Consumer<String> log) {
        this.registry = registry;
        this.disks = disks;
        this.media = media;
        this.images = images;
        this.network = network;
        this.backends = backends;
        this.log = log;
    }

    @Override
    public DeviceBackends backends() {
        return backends;
    }

    @Override
    public boolean canAccept(VmDescriptor vm) {
        return canAccept(vm, Set.of());
    }

    @Override
    public boolean canAccept(VmDescriptor vm, Set<Integer> copied) {
        if (reservations.containsKey(vm.name())) {
            return false;
        }
        for (int i = 0; i < vm.drives().size(); i++) {
            DriveConfig d = vm.drives().get(i);
            if (!d.isFile() || copied.contains(i)) {
                continue;
            }
            try {
                images.confinedFile(d.file().toString(), "disk");
            } catch (ImageFormatException e) {
                log.accept("refused incoming VM " + vm.name() + ": " + e.getMessage());
                return false;
            }
        }
        String mac = network.macInUse(vm.nics()).orElse(null);
        if (mac != null) {
            log.accept("refused incoming VM " + vm.name() + ": its MAC " + mac + " is in use by a VM on this host");
            return false;
        }
        if (!registry.reserve(vm.name())) {
            log.accept("refused incoming VM " + vm.name() + ": the name is in use here");
            return false;
        }
        reservations.put(vm.name(), Boolean.TRUE);
        log.accept("incoming VM " + vm.name() + " (" + (vm.ramSize() >> 20) + " MiB)");
        return true;
    }

    /**
     * Creates an empty disk for a copied drive in this host's disk directory, named after the VM and the drive with
     * a random suffix (so a VM that comes back, or two hosts sharing a directory, never meet an old file): a sparse
     * raw file, or a qcow2 image without a backing file for a qcow2 drive (the copy holds the whole virtual disk).
     */
    @Override
    public DriveConfig createLocalDisk(VmDescriptor vm, int index, DriveConfig source, long size) throws IOException {
        String safe = vm.name().replaceAll("[^A-Za-z0-9._-]", "_");
        String format = source.format().equals("qcow2") ? "qcow2" : "raw";
        Path file = disks.resolve(safe + "-disk" + index + "-" + Long.toHexString(new SecureRandom().nextLong() >>> 16)
                + (format.equals("qcow2") ? ".qcow2" : ".img"));
        created.computeIfAbsent(vm.name(), n -> new CopyOnWriteArrayList<>()).add(file);
        if (format.equals("qcow2")) {
            try {
                Qcow2Image.create(file, size);
            } catch (BlockBackendException e) {
                throw new IOException(e.getMessage(), e);
            }
        } else {
            Files.createFile(file);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size);
            }
        }
        log.accept("incoming VM " + vm.name() + ": disk " + index + " (" + (size >> 20) + " MiB) arrives in " + file);
        return new DriveConfig(file, format, false);
    }

    @Override
    public OutputStream consoleFor(VmDescriptor vm) {
        return consoles.computeIfAbsent(vm.name(), n -> new ConsoleBuffer());
    }

    @Override
    public void consoleHistory(VmDescriptor vm, ConsoleHistory history) {
        ConsoleBuffer console = consoles.get(vm.name());
        if (console != null) {
            console.seed(history.totalBytes(), history.tail());
        }
    }

    @Override
    public void arrived(VmDescriptor vm, VmRunner runner) {
        if (reservations.remove(vm.name()) == null && !registry.reserve(vm.name())) {
            log.accept("incoming VM " + vm.name() + " arrived but the name is in use here; it is shut down");
            runner.close();
            runner.machine().close();
            return;
        }
        created.remove(vm.name());
        ConsoleBuffer console = consoles.remove(vm.name());
        VmOrigin.BootMedia boot = media.apply(vm);
        registry.add(new HostedVm(vm.name(), vm.image(), runner, console != null ? console : new ConsoleBuffer(),
                boot == null ? null : new VmOrigin(boot, null, List.of())));
        log.accept("VM " + vm.name() + " arrived and runs here");
        network.announce(vm.name(), vm.nics(), vm.bootArgs(), log);
    }

    @Override
    public void abandoned(VmDescriptor vm, String reason) {
        if (reservations.remove(vm.name()) != null) {
            registry.release(vm.name());
        }
        consoles.remove(vm.name());
        List<Path> files = created.remove(vm.name());
        if (files != null) {
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    log.accept("could not delete " + f + ": " + e.getMessage());
                }
            }
        }
        log.accept("incoming VM " + vm.name() + " did not arrive: " + reason);
    }
}
