package dev.ferry.machine.image;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The firmware QEMU's {@code -bios} names: none, the OpenSBI {@code fw_dynamic} build QEMU ships
 * ({@code default}), or a file — an ELF loaded at its segments' addresses or a raw binary loaded at the start of
 * RAM.
 */
public sealed interface Firmware {

    /** Where Debian's {@code qemu-system-data} installs QEMU's OpenSBI for {@code -bios default}. */
    Path DEFAULT_PATH = Path.of("/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin");

    /** No firmware: the hart enters the kernel (or bare-metal image) directly in M mode. */
    record None() implements Firmware { }

    /** A raw binary, loaded at the start of RAM. */
    record Raw(RawFile file) implements Firmware { }

    /** An ELF firmware, loaded where its segments say. */
    record Elf(ElfImage elf) implements Firmware { }

    /**
     * The firmware a {@code --bios} value names: {@code none}, {@code default} (QEMU's OpenSBI) or a file path.
     *
     * @throws ImageFormatException if the file is missing, unreadable, empty or larger than {@code ramBytes}
     */
    static Firmware of(String spec, long ramBytes) throws ImageFormatException {
        if (spec.equals("none")) {
            return new None();
        }
        Path path;
        try {
            path = spec.equals("default") ? DEFAULT_PATH : Path.of(spec);
        } catch (InvalidPathException e) {
            throw new ImageFormatException("firmware '" + spec + "' is not a file name");
        }
        RawFile file;
        try {
            file = RawFile.open(path, "firmware");
        } catch (ImageFormatException e) {
            if (spec.equals("default")) {
                throw new ImageFormatException(e.getMessage() + " (--bios default is QEMU's OpenSBI from the Debian "
                        + "package qemu-system-data)");
            }
            throw e;
        }
        if (file.size() > ramBytes) {
            throw new ImageFormatException(String.format("firmware %s: the file is %d MiB, more than the %d MiB of RAM",
                    path, file.size() >> 20, ramBytes >> 20));
        }
        byte[] head = file.head(4);
        if (head.length == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
            return new Elf(ElfImage.read(path, ramBytes));
        }
        return new Raw(file);
    }
}
