package dev.ferry.machine.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A kernel as {@code -kernel} takes it: a RISC-V Linux {@code Image} (recognised by the magic numbers of its
 * 64-byte header) or an rv64 ELF executable. Anything else is refused here, with one line saying so, instead of
 * being loaded as raw bytes that would only fail later inside the guest.
 */
public sealed interface KernelFile {

    /** Size of the RISC-V {@code Image} header. */
    int IMAGE_HEADER = 64;
    /** Offset of the header's first magic number, {@code "RISCV\0\0\0"} (deprecated by Linux but still written). */
    int MAGIC_OFFSET = 48;
    /** The first magic number as a little-endian 64-bit value. */
    long MAGIC = 0x5643534952L;
    /** Offset of the header's second magic number, {@code "RSC\x05"}. */
    int MAGIC2_OFFSET = 56;
    /** The second magic number as a little-endian 32-bit value. */
    int MAGIC2 = 0x05435352;

    /** The file. */
    Path path();

    /**
     * A Linux {@code Image}: loaded as it is at the kernel address, and entered at its first byte.
     *
     * @param file      the file
     * @param imageSize the header's effective image size (the memory the kernel occupies, bss included)
     * @param version   the header's version ({@code major << 16 | minor})
     */
    record Image(RawFile file, long imageSize, int version) implements KernelFile {
        @Override
        public Path path() {
            return file.path();
        }
    }

    /**
     * An ELF kernel: its segments go where their physical addresses say.
     *
     * @param elf the validated image
     */
    record Elf(ElfImage elf) implements KernelFile {
        @Override
        public Path path() {
            return elf.path();
        }
    }

    /**
     * Reads and recognises a kernel file that is to load into {@code ramBytes} of RAM.
     *
     * @throws ImageFormatException if it is missing, unreadable, larger than RAM, or neither an Image nor an ELF
     */
    static KernelFile read(Path path, long ramBytes) throws ImageFormatException {
        RawFile file = RawFile.open(path, "kernel");
        if (file.size() > ramBytes) {
            throw new ImageFormatException(String.format("kernel %s: the file is %d MiB, more than the %d MiB of RAM",
                    path, file.size() >> 20, ramBytes >> 20));
        }
        byte[] head = file.head(IMAGE_HEADER);
        if (head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
            return new Elf(ElfImage.read(path, ramBytes));
        }
        if (head.length < IMAGE_HEADER) {
            throw notKernel(path);
        }
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (h.getLong(MAGIC_OFFSET) != MAGIC && h.getInt(MAGIC2_OFFSET) != MAGIC2) {
            throw notKernel(path);
        }
        long imageSize = h.getLong(16);
        if (imageSize < 0) {
            throw new ImageFormatException("kernel " + path + ": the Image header gives a size of " + imageSize);
        }
        return new Image(file, imageSize, h.getInt(32));
    }

    private static ImageFormatException notKernel(Path path) {
        return new ImageFormatException("kernel " + path + ": not a RISC-V kernel (neither a Linux Image, whose header "
                + "holds the magic \"RISCV\"/\"RSC\\x05\", nor an ELF file)");
    }
}
