package dev.ferry.machine.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A statically linked RISC-V 64-bit ELF executable, validated and reduced to what a loader needs: the entry
 * point and the bytes of each loadable segment at its physical address. Parsing never trusts a field: every
 * offset and size is range-checked, so a malformed file gives a clear error instead of an exception.
 */
public final class ElfImage {

    private static final int EM_RISCV = 243;
    private static final int PT_LOAD = 1;

    /** One PT_LOAD segment: {@code data} goes at {@code physAddr}, followed by zeros up to {@code memSize}. */
    public record Segment(long physAddr, byte[] data, long memSize) { }

    private final Path path;
    private final long entry;
    private final List<Segment> segments;

    private ElfImage(Path path, long entry, List<Segment> segments) {
        this.path = path;
        this.entry = entry;
        this.segments = List.copyOf(segments);
    }

    /** Reads and validates an image file. */
    public static ElfImage read(Path path) throws ImageFormatException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(path + ": no such file");
        } catch (IOException e) {
            throw new ImageFormatException(path + ": cannot read: " + e.getMessage());
        }
        return parse(path, bytes);
    }

    /** Validates and parses image bytes; {@code path} only names the image in messages. */
    public static ElfImage parse(Path path, byte[] bytes) throws ImageFormatException {
        String name = String.valueOf(path);
        if (bytes.length < 4 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new ImageFormatException(name + ": not an ELF file");
        }
        if (bytes.length < 64) {
            throw new ImageFormatException(name + ": truncated ELF header");
        }
        if (bytes[4] != 2) {
            throw new ImageFormatException(name + ": not a 64-bit ELF (rv64 expected)");
        }
        if (bytes[5] != 1) {
            throw new ImageFormatException(name + ": not a little-endian ELF");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(b.getShort(16));
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_RISCV) {
            throw new ImageFormatException(name + ": ELF for machine " + machine + ", not RISC-V (243)");
        }
        if (type != 2) {
            throw new ImageFormatException(name + ": not an executable ELF (type " + type + ")");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phnum == 0) {
            throw new ImageFormatException(name + ": ELF has no program headers");
        }
        if (phentsize < 56 || phoff < 0 || phoff > bytes.length
                || (long) phentsize * phnum > bytes.length - phoff) {
            throw new ImageFormatException(name + ": ELF program headers lie outside the file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) != PT_LOAD) {
                continue;
            }
            long offset = b.getLong(ph + 8);
            long paddr = b.getLong(ph + 24);
            long filesz = b.getLong(ph + 32);
            long memsz = b.getLong(ph + 40);
            if (filesz < 0 || offset < 0 || filesz > bytes.length || offset > bytes.length - filesz) {
                throw new ImageFormatException(name + ": ELF segment " + i + " lies outside the file");
            }
            if (memsz < filesz || memsz < 0) {
                throw new ImageFormatException(name + ": ELF segment " + i + " has memsz < filesz");
            }
            if (memsz == 0) {
                continue;
            }
            byte[] data = new byte[(int) filesz];
            System.arraycopy(bytes, (int) offset, data, 0, (int) filesz);
            segments.add(new Segment(paddr, data, memsz));
        }
        if (segments.isEmpty()) {
            throw new ImageFormatException(name + ": ELF has no loadable segment");
        }
        return new ElfImage(path, entry, segments);
    }

    /** Where the image came from. */
    public Path path() {
        return path;
    }

    /** Entry point address. */
    public long entry() {
        return entry;
    }

    /** Loadable segments in file order. */
    public List<Segment> segments() {
        return segments;
    }

    /** Lowest physical address any segment occupies. */
    public long lowestAddress() {
        return segments.stream().mapToLong(Segment::physAddr).min().orElseThrow();
    }

    /** One past the highest physical address any segment occupies. */
    public long highestAddress() {
        return segments.stream().mapToLong(s -> s.physAddr() + s.memSize()).max().orElseThrow();
    }
}
