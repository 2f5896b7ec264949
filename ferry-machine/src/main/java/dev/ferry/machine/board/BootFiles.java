package dev.ferry.machine.board;

import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.util.Objects;
import java.util.Optional;

/**
 * What a kernel boot loads, as QEMU's {@code -bios}, {@code -kernel} and {@code -initrd} name it.
 *
 * @param firmware the firmware ({@link Firmware.None} to enter the kernel directly)
 * @param kernel   the kernel
 * @param initrd   the initial RAM disk, if any
 */
public record BootFiles(Firmware firmware, KernelFile kernel, Optional<RawFile> initrd) {

    /** Validates the fields. */
    public BootFiles {
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
    }
}
