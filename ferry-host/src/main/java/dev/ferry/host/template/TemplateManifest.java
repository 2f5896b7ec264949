package dev.ferry.host.template;

import java.util.ArrayList;
import java.util.List;

/**
 * A template's {@code template.json}: what a host needs to start VMs from it without the VM it was made from. File
 * names in it are plain names inside the template's directory.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param name          the template's name (its directory's name)
 * @param sourceVm      the VM it was made from
 * @param sourceHost    the host that made it
 * @param created       when it was made (ISO-8601, UTC)
 * @param ramBytes      the machine's RAM
 * @param deterministic the machine's time mode
 * @param bootArgs      the kernel command line the source VM booted with
 * @param balloon       the machine has a virtio balloon
 * @param rng           the machine has a virtio-rng device
 * @param mrom          the machine has QEMU {@code virt}'s boot ROM (a kernel boot)
 * @param boot          the files it boots, copied into the template
 * @param disks         its disks, in order: each a read-only qcow2 base
 * @param nics          its network interfaces, in order
 * @param state         the saved machine state ({@link #STATE_FILE}), or {@code null} when none was saved
 */
public record TemplateManifest(int formatVersion, String name, String sourceVm, String sourceHost, String created,
        long ramBytes, boolean deterministic, String bootArgs, boolean balloon, boolean rng, boolean mrom,
        Boot boot, List<Disk> disks, List<Nic> nics, String state) {

    /** The version of this layout; a host refuses templates of other versions. */
    public static final int FORMAT_VERSION = 1;
    /** The manifest's file name in a template's directory. */
    public static final String FILE = "template.json";
    /** The saved machine state's file name. */
    public static final String STATE_FILE = "state.ferry";

    /** Copies {@code disks} and {@code nics}. */
    public TemplateManifest {
        disks = disks == null ? List.of() : List.copyOf(disks);
        nics = nics == null ? List.of() : List.copyOf(nics);
    }

    /**
     * The boot files, by their names in the template's directory.
     *
     * @param kernelBoot true: firmware, kernel and initrd through the boot ROM; false: {@code kernel} is a bare-metal
     *                   ELF image
     * @param kernel     the kernel or bare-metal image
     * @param initrd     the initrd, or {@code null}
     * @param firmware   the firmware, or {@code null} for none
     */
    public record Boot(boolean kernelBoot, String kernel, String initrd, String firmware) { }

    /**
     * A disk.
     *
     * @param file      the qcow2 base, {@code diskN.qcow2}
     * @param sizeBytes its virtual size
     * @param dataBytes bytes of data clusters it holds (zero clusters are left out)
     * @param readOnly  the source VM's drive was read-only, and so are the drives of VMs made from it
     */
    public record Disk(String file, long sizeBytes, long dataBytes, boolean readOnly) { }

    /**
     * A network interface.
     *
     * @param backend the source VM's back end ({@code switch}, {@code tap:NAME}, {@code none})
     * @param mac     the source VM's MAC (a VM resumed from the saved state keeps it; a cold-booted one gets its own)
     */
    public record Nic(String backend, String mac) { }

    /** Every file the template holds besides the manifest. */
    public List<String> files() {
        List<String> files = new ArrayList<>();
        files.add(boot.kernel());
        if (boot.initrd() != null) {
            files.add(boot.initrd());
        }
        if (boot.firmware() != null) {
            files.add(boot.firmware());
        }
        disks.forEach(d -> files.add(d.file()));
        if (state != null) {
            files.add(state);
        }
        return files;
    }
}
