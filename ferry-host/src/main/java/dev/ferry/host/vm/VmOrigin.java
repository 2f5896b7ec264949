package dev.ferry.host.vm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a VM created on this host came from: the files it booted (so a template can keep copies of them), the
 * template it was made from, if any (a template in use is not deleted), and the disks the host made for it (its
 * template overlays, removed when the VM is stopped). A VM that migrated in has no origin here.
 *
 * @param boot      the files it booted, or {@code null} when they cannot be named (no template can be made of it)
 * @param template  the template it was created from, or {@code null}
 * @param ownDisks  disk files the host created for this VM and deletes with it
 */
public record VmOrigin(BootMedia boot, String template, List<Path> ownDisks) {

    /** Validates the fields. */
    public VmOrigin {
        ownDisks = List.copyOf(ownDisks);
    }

    /**
     * The files a VM booted, as paths on this host.
     *
     * @param kernelBoot true for a kernel boot (boot ROM, firmware, kernel); false for a bare-metal ELF image
     * @param kernel     the kernel, or for a bare-metal boot the ELF image
     * @param initrd     the initrd, or {@code null}
     * @param firmware   the firmware file, or {@code null} for none (a kernel boot with {@code bios none})
     */
    public record BootMedia(boolean kernelBoot, Path kernel, Path initrd, Path firmware) {

        /** Validates the fields. */
        public BootMedia {
            Objects.requireNonNull(kernel, "kernel");
        }
    }
}
