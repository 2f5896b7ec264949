package dev.ferry.host.template;

import dev.ferry.host.vm.VmOrigin;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Writes a template's files from a VM whose vCPU is parked (paused, or powered off): every disk, flushed first, as a
 * read-only qcow2 base of its virtual contents ({@code diskN.qcow2}); the machine state ({@code state.ferry}, for a
 * paused VM); copies of the kernel, initrd and firmware (or the bare-metal image) it booted, so any host that reads
 * the template directory can boot it; and the manifest describing them. Progress and sizes go to the log.
 */
public final class TemplateWriter {

    private final String name;
    private final String vmName;
    private final VmRunner runner;
    private final VmOrigin.BootMedia media;
    private final String hostName;
    private final Instant now;
    private final Consumer<String> log;

    /**
     * A writer of template {@code name} from VM {@code vmName}.
     *
     * @param media what the VM booted on this host
     * @param now   the creation time recorded in the manifest
     */
    public TemplateWriter(String name, String vmName, VmRunner runner, VmOrigin.BootMedia media, String hostName,
            Instant now, Consumer<String> log) {
        this.name = name;
        this.vmName = vmName;
        this.runner = runner;
        this.media = media;
        this.hostName = hostName;
        this.now = now;
        this.log = log;
    }

    /** Writes every file into {@code into} and answers the manifest (which {@link TemplateStore} writes). */
    public TemplateManifest write(Path into) throws IOException {
        VirtMachine machine = runner.machine();
        MachineConfig config = machine.config();
        List<TemplateManifest.Disk> disks = new ArrayList<>();
        for (int i = 0; i < machine.disks().size(); i++) {
            disks.add(copyDisk(i, machine.disks().get(i).backend(), config.drives().get(i), into));
        }
        String state = null;
        if (runner.state() == VmRunner.RunState.PAUSED) {
            long t0 = System.nanoTime();
            machine.saveState(into.resolve(TemplateManifest.STATE_FILE));
            state = TemplateManifest.STATE_FILE;
            log.accept(String.format(Locale.ROOT, "template %s: machine state saved (%.1f MiB) in %.0f ms", name,
                    Files.size(into.resolve(state)) / 1048576.0, (System.nanoTime() - t0) / 1e6));
        }
        String kernel = copy(media.kernel(), into, media.kernelBoot() ? "kernel" : "image.elf");
        String initrd = media.initrd() == null ? null : copy(media.initrd(), into, "initrd");
        String firmware = media.firmware() == null ? null : copy(media.firmware(), into, "firmware");
        List<TemplateManifest.Nic> nics = new ArrayList<>();
        for (NicConfig n : config.nics()) {
            nics.add(new TemplateManifest.Nic(n.backend(), n.mac()));
        }
        return new TemplateManifest(TemplateManifest.FORMAT_VERSION, name, vmName, hostName, now.toString(),
                config.ramSize(), config.deterministic(), config.bootArgs(), config.balloon(), config.rng(),
                config.mrom(), new TemplateManifest.Boot(media.kernelBoot(), kernel, initrd, firmware), disks, nics,
                state);
    }

    private TemplateManifest.Disk copyDisk(int index, BlockBackend disk, DriveConfig drive, Path into)
            throws IOException {
        String file = "disk" + index + ".qcow2";
        Path base = into.resolve(file);
        long t0 = System.nanoTime();
        disk.flush();
        long size = disk.size();
        long data = Qcow2Image.copyOf(base, disk, done -> {
            if (done < size) {
                log.accept(String.format(Locale.ROOT, "template %s: disk %d %d%% (%d of %d MiB)", name, index,
                        done * 100 / size, done >> 20, size >> 20));
            }
        });
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("r--r--r--"));
        log.accept(String.format(Locale.ROOT, "template %s: disk %d (%s) copied to %s: %d MiB, %.1f MiB of data, "
                + "in %.0f ms", name, index, drive.source(), file, size >> 20, data / 1048576.0,
                (System.nanoTime() - t0) / 1e6));
        return new TemplateManifest.Disk(file, size, data, drive.readOnly());
    }

    private static String copy(Path from, Path into, String as) throws IOException {
        Path to = into.resolve(as);
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("r--r--r--"));
        TemplateStore.force(to);
        return as;
    }
}
