package dev.ferry.machine.board;

import dev.ferry.machine.device.BootRom;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Plans a kernel boot the way QEMU 7.2's {@code virt} board does it, then loads it: the firmware at the start of
 * RAM (a raw binary there, an ELF at its addresses); the kernel at the firmware's end rounded up to 2 MiB (an ELF
 * kernel at its own addresses); the initrd at the kernel's entry plus half the RAM, at most 128 MiB; the device
 * tree 2 MiB-aligned below the end of RAM (or 3 GiB); and the boot ROM holding the reset vector and the
 * {@code fw_dynamic} information. Every region must lie in RAM and none may overlap another (QEMU refuses
 * overlapping images as well); the first that does not fit gives one line a user can act on.
 */
public final class KernelBoot {

    /** Alignment of the kernel's load address on rv64. */
    public static final long KERNEL_ALIGN = 2L << 20;
    /** The most the initrd is placed above the kernel's entry. */
    public static final long INITRD_MAX_OFFSET = 128L << 20;

    private record Region(String name, long start, long end) { }

    private final BootFiles files;
    private final BootLayout layout;
    private final byte[] fdt;
    private final byte[] rom;

    private KernelBoot(BootFiles files, BootLayout layout, byte[] fdt, byte[] rom) {
        this.files = files;
        this.layout = layout;
        this.fdt = fdt;
        this.rom = rom;
    }

    /**
     * Plans the boot of {@code files} on a machine of {@code ramSize} bytes with kernel command line
     * {@code bootArgs} (empty: no {@code bootargs} property, as QEMU) and {@code rngSeed} for {@code /chosen}, the
     * device tree being {@link VirtDeviceTree}'s for that RAM.
     *
     * @throws ImageFormatException if something does not fit in RAM or overlaps something else
     */
    public static KernelBoot plan(long ramSize, String bootArgs, byte[] rngSeed, BootFiles files)
            throws ImageFormatException {
        return plan(ramSize, bootArgs, rngSeed, files, chosen -> VirtDeviceTree.build(ramSize, chosen));
    }

    /**
     * {@link #plan(long, String, byte[], BootFiles)} with the machine's own device tree: {@code deviceTree} builds
     * the blob around a given {@code /chosen}.
     *
     * @throws ImageFormatException if something does not fit in RAM or overlaps something else
     */
    public static KernelBoot plan(long ramSize, String bootArgs, byte[] rngSeed, BootFiles files,
            Function<Chosen, byte[]> deviceTree) throws ImageFormatException {
        long ramEnd = VirtMachine.RAM_BASE + ramSize;
        List<Region> regions = new ArrayList<>();
        long firmwareEnd = switch (files.firmware()) {
            case Firmware.None n -> VirtMachine.RAM_BASE;
            case Firmware.Raw r -> add(regions, "firmware " + r.file().path(), VirtMachine.RAM_BASE, r.file().size());
            case Firmware.Elf e -> elf(regions, "firmware", e.elf());
        };
        long kernelAddress;
        long kernelEntry;
        switch (files.kernel()) {
            case KernelFile.Image image -> {
                kernelAddress = alignUp(firmwareEnd, KERNEL_ALIGN);
                kernelEntry = kernelAddress;
                add(regions, "kernel " + image.path(), kernelAddress, image.file().size());
            }
            case KernelFile.Elf e -> {
                elf(regions, "kernel", e.elf());
                kernelAddress = e.elf().lowestAddress();
                kernelEntry = kernelAddress;
            }
        }
        long initrdStart = 0;
        long initrdEnd = 0;
        if (files.initrd().isPresent()) {
            RawFile initrd = files.initrd().get();
            initrdStart = kernelEntry + Math.min(ramSize / 2, INITRD_MAX_OFFSET);
            initrdEnd = add(regions, "initrd " + initrd.path(), initrdStart, initrd.size());
            if (initrdEnd > ramEnd || initrdEnd > 0xffff_ffffL) {
                throw new ImageFormatException(String.format("initrd %s: %s does not fit in RAM: placed at 0x%x as "
                        + "QEMU does, it would end at 0x%x, past the end of RAM at 0x%x; use a larger --mem",
                        initrd.path(), size(initrd.size()), initrdStart, initrdEnd, ramEnd));
            }
        }
        Chosen chosen = new Chosen(bootArgs.isEmpty() ? null : bootArgs, initrdStart, initrdEnd, rngSeed);
        byte[] fdt = deviceTree.apply(chosen);
        long fdtAddress = VirtMachine.deviceTreeAddress(ramSize, fdt.length);
        add(regions, "device tree", fdtAddress, fdt.length);
        if (files.initrd().isPresent() && initrdEnd > fdtAddress && initrdStart < fdtAddress + fdt.length) {
            RawFile initrd = files.initrd().get();
            throw new ImageFormatException(String.format("initrd %s: %s does not fit in RAM: placed at 0x%x as QEMU "
                    + "does, it would reach the device tree at 0x%x; use a larger --mem", initrd.path(),
                    size(initrd.size()), initrdStart, fdtAddress));
        }
        check(regions, ramEnd);
        BootLayout layout = new BootLayout(VirtMachine.RAM_BASE, firmwareEnd, kernelAddress, kernelEntry, initrdStart,
                initrdEnd, fdtAddress);
        byte[] rom = ResetVector.build(layout.startAddress(), fdtAddress, kernelEntry);
        return new KernelBoot(files, layout, fdt, rom);
    }

    /** The layout. */
    public BootLayout layout() {
        return layout;
    }

    /** The device tree blob. */
    public byte[] deviceTree() {
        return fdt.clone();
    }

    /** The boot ROM's contents. */
    public byte[] bootRom() {
        return rom.clone();
    }

    /** Address of the {@code fw_dynamic} information block, which the reset vector puts in {@code a2}. */
    public static long infoAddress() {
        return BootRom.BASE + ResetVector.INFO_OFFSET;
    }

    /**
     * Copies firmware, kernel, initrd and device tree to guest memory through {@code sink}.
     *
     * @throws ImageFormatException if a file can no longer be read or changed since it was checked
     */
    public void load(ElfImage.SegmentSink sink) throws ImageFormatException {
        switch (files.firmware()) {
            case Firmware.None n -> { }
            case Firmware.Raw r -> r.file().copyTo(layout.startAddress(), sink);
            case Firmware.Elf e -> e.elf().copySegments(sink);
        }
        switch (files.kernel()) {
            case KernelFile.Image image -> image.file().copyTo(layout.kernelAddress(), sink);
            case KernelFile.Elf e -> e.elf().copySegments(sink);
        }
        if (files.initrd().isPresent()) {
            files.initrd().get().copyTo(layout.initrdStart(), sink);
        }
        sink.write(layout.fdtAddress(), fdt, 0, fdt.length);
    }

    private static long add(List<Region> regions, String name, long start, long size) {
        regions.add(new Region(name, start, start + size));
        return start + size;
    }

    /** Adds an ELF's segments; returns one past the highest byte. */
    private static long elf(List<Region> regions, String role, ElfImage elf) {
        for (ElfImage.Segment s : elf.segments()) {
            add(regions, role + " " + elf.path(), s.physAddr(), s.memSize());
        }
        return elf.highestAddress();
    }

    private static void check(List<Region> regions, long ramEnd) throws ImageFormatException {
        for (Region r : regions) {
            if (r.start() < VirtMachine.RAM_BASE || r.end() > ramEnd || r.end() < r.start()) {
                throw new ImageFormatException(String.format("%s: needs 0x%x-0x%x, outside RAM (0x%x-0x%x); use a "
                        + "larger --mem", r.name(), r.start(), r.end(), VirtMachine.RAM_BASE, ramEnd));
            }
        }
        for (int i = 0; i < regions.size(); i++) {
            for (int j = i + 1; j < regions.size(); j++) {
                Region a = regions.get(i);
                Region b = regions.get(j);
                if (a.start() < b.end() && b.start() < a.end() && !a.name().equals(b.name())) {
                    throw new ImageFormatException(String.format("%s (0x%x-0x%x) overlaps %s (0x%x-0x%x)%s",
                            b.name(), b.start(), b.end(), a.name(), a.start(), a.end(),
                            b.name().equals("device tree") ? "; use a larger --mem" : ""));
                }
            }
        }
    }

    private static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    private static String size(long bytes) {
        return bytes >= 1L << 20 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20)) : bytes + " bytes";
    }
}
