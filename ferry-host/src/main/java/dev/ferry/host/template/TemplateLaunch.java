package dev.ferry.host.template;

import dev.ferry.host.vm.VmOrigin;
import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import dev.ferry.machine.state.MachineStateFile;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * How a VM starts from a template: its machine configuration (the template's RAM, mode and devices, its disks as
 * copy-on-write overlays on the template's bases), then either a cold boot of the template's own kernel, initrd and
 * firmware copies, or a restore of the saved machine state.
 */
public final class TemplateLaunch {

    private final Path dir;
    private final TemplateManifest manifest;

    /** A launch from the template in {@code dir} described by {@code manifest}. */
    public TemplateLaunch(Path dir, TemplateManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** The template's manifest. */
    public TemplateManifest manifest() {
        return manifest;
    }

    /**
     * The command line of a cold-booted VM: {@code args} when given, else the template's without its {@code ip=}
     * parameter (the source VM's address); then {@code ipParameter} when given.
     */
    public static String coldBootArgs(String templateArgs, String args, String ipParameter) {
        String base = args != null ? args : Arrays.stream(templateArgs.split(" "))
                .filter(w -> !w.isEmpty() && !w.startsWith("ip=")).collect(Collectors.joining(" "));
        return ipParameter == null ? base.trim() : (base.trim() + " " + ipParameter).trim();
    }

    /**
     * The NICs of a VM started from the template: the template's, in order. With {@code keepMacs} (a resume) each
     * keeps the source VM's MAC; otherwise each gets {@code macOf.apply(index)}.
     */
    public List<NicConfig> nics(boolean keepMacs, IntFunction<String> macOf) {
        List<NicConfig> nics = new ArrayList<>();
        for (int i = 0; i < manifest.nics().size(); i++) {
            TemplateManifest.Nic n = manifest.nics().get(i);
            nics.add(new NicConfig(keepMacs ? n.mac() : macOf.apply(i), n.backend()));
        }
        return nics;
    }

    /** The template's base of disk {@code index}. */
    public Path base(int index) {
        return dir.resolve(manifest.disks().get(index).file());
    }

    /** The overlay file of disk {@code index} of VM {@code vmName} in {@code disksDir}: {@code VM-diskK.qcow2}. */
    public static Path overlay(Path disksDir, String vmName, int index) {
        return disksDir.resolve(vmName + "-disk" + index + ".qcow2").toAbsolutePath();
    }

    /** The overlays a VM of this name would get that exist already (left by an earlier VM of that name). */
    public List<Path> existingOverlays(Path disksDir, String vmName) {
        List<Path> existing = new ArrayList<>();
        for (int k = 0; k < manifest.disks().size(); k++) {
            if (Files.exists(overlay(disksDir, vmName, k))) {
                existing.add(overlay(disksDir, vmName, k));
            }
        }
        return existing;
    }

    /**
     * Creates one qcow2 overlay per template disk, {@code VM-diskK.qcow2} in {@code disksDir}, backed by the
     * template's base (absolute path, format qcow2). On failure the overlays made so far are removed.
     *
     * @throws IOException if an overlay exists already or cannot be made
     */
    public List<Path> createOverlays(Path disksDir, String vmName) throws IOException {
        List<Path> made = new ArrayList<>();
        try {
            for (int k = 0; k < manifest.disks().size(); k++) {
                Path overlay = overlay(disksDir, vmName, k);
                Qcow2Image.createOverlay(overlay, base(k).toAbsolutePath(), "qcow2");
                made.add(overlay);
            }
            return made;
        } catch (IOException | RuntimeException e) {
            removeQuietly(made);
            throw e;
        }
    }

    /** Deletes files, ignoring those already gone or that cannot be deleted. */
    public static void removeQuietly(List<Path> files) {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // nothing more can be done for a file that cannot be removed
            }
        }
    }

    /** The machine configuration with {@code overlays} as disks, {@code nics} and {@code bootArgs}. */
    public MachineConfig config(OutputStream console, String bootArgs, List<Path> overlays, List<NicConfig> nics) {
        List<DriveConfig> drives = new ArrayList<>();
        for (int k = 0; k < overlays.size(); k++) {
            drives.add(new DriveConfig(overlays.get(k), "qcow2", manifest.disks().get(k).readOnly()));
        }
        return new MachineConfig(manifest.ramBytes(), manifest.deterministic(), bootArgs, console)
                .withBalloon(manifest.balloon()).withRng(manifest.rng()).withMrom(manifest.mrom())
                .withDrives(drives).withNics(nics);
    }

    /** What a VM started from the template boots: the template's copies. */
    public VmOrigin.BootMedia media() {
        TemplateManifest.Boot b = manifest.boot();
        return new VmOrigin.BootMedia(b.kernelBoot(), dir.resolve(b.kernel()),
                b.initrd() == null ? null : dir.resolve(b.initrd()),
                b.firmware() == null ? null : dir.resolve(b.firmware()));
    }

    /** Loads the template's kernel, initrd and firmware (or bare-metal image) into a new machine. */
    public void coldBoot(VirtMachine machine) throws ImageFormatException {
        VmOrigin.BootMedia m = media();
        long ram = manifest.ramBytes();
        if (!m.kernelBoot()) {
            machine.boot(ElfImage.read(m.kernel(), ram));
            return;
        }
        Firmware firmware = m.firmware() == null ? Firmware.of("none", ram) : Firmware.of(m.firmware().toString(), ram);
        RawFile initrd = m.initrd() == null ? null : RawFile.open(m.initrd(), "initrd");
        machine.boot(new BootFiles(firmware, KernelFile.read(m.kernel(), ram), Optional.ofNullable(initrd)));
    }

    /**
     * Restores the saved machine state into a new machine built with the template's configuration and MACs.
     *
     * @throws IOException if the state file is bad or does not fit the machine
     */
    public void resume(VirtMachine machine) throws IOException {
        machine.restoreState(MachineStateFile.read(dir.resolve(manifest.state())));
    }
}
