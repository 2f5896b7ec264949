package dev.ferry.machine.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A statically linked RISC-V 64-bit ELF executable, validated and reduced to what a loader needs: the entry
 * point and where each loadable segment's bytes lie in the file and go in guest memory. Parsing never trusts a
 * field: every offset and size is range-checked, so a malformed file gives a clear error instead of an
 * exception. Only the ELF header and the program header table are read to validate an image; the segments'
 * bytes are streamed from the file into guest memory by {@link #copySegments}, so no image is ever held whole
 * in the heap, whatever its size.
 */
public final class ElfImage {

    private static final int EM_RISCV = 243;
    private static final int PT_LOAD = 1;
    private static final int ELF_HEADER = 64;
    private static final int PROGRAM_HEADER = 56;
    /** Largest program header table read (a real image has a handful of entries). */
    private static final int MAX_PROGRAM_HEADERS_BYTES = 64 * 1024;
    /** Bytes copied per read while loading segments. */
    private static final int COPY_CHUNK = 64 * 1024;

    /**
     * One PT_LOAD segment: the {@code fileSize} bytes at {@code fileOffset} in the image go at {@code physAddr},
     * followed by zeros up to {@code memSize}.
     */
    public record Segment(long physAddr, long fileOffset, long fileSize, long memSize) { }

    /** Receives segment bytes: {@code length} bytes of {@code data} from {@code offset} go at {@code physAddr}. */
    @FunctionalInterface
    public interface SegmentSink {
        /** Stores one chunk of a segment. */
        void write(long physAddr, byte[] data, int offset, int length);
    }

    /** Where the image's bytes are: a file (opened again to copy) or an array. */
    private sealed interface Source {
        long size();
    }

    private record FileSource(Path file, long size) implements Source { }

    private record ArraySource(byte[] bytes) implements Source {
        @Override
        public long size() {
            return bytes.length;
        }
    }

    private final Path path;
    private final Source source;
    private final long entry;
    private final List<Segment> segments;

    private ElfImage(Path path, Source source, long entry, List<Segment> segments) {
        this.path = path;
        this.source = source;
        this.entry = entry;
        this.segments = List.copyOf(segments);
    }

    /** Reads and validates an image file of any size (its segments must still fit the machine it boots). */
    public static ElfImage read(Path path) throws ImageFormatException {
        return read(path, Long.MAX_VALUE);
    }

    /**
     * Reads and validates an image file that is to load into {@code ramBytes} of RAM: a larger file is refused
     * by its size before anything else is read. Only the ELF header and program headers are read.
     */
    public static ElfImage read(Path path, long ramBytes) throws ImageFormatException {
        return read(path, path, ramBytes);
    }

    /**
     * {@link #read(Path, long)} of {@code file}, which messages and {@link #path()} call {@code shownAs} (an
     * uploaded image is kept under a name of the host's choosing).
     */
    public static ElfImage read(Path file, Path shownAs, long ramBytes) throws ImageFormatException {
        Path path = shownAs;
        String name = String.valueOf(shownAs);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > ramBytes) {
                throw new ImageFormatException(String.format(Locale.ROOT, "%s: the file is %s, larger than the %s of RAM it "
                        + "would load into", name, describeSize(size), describeSize(ramBytes)));
            }
            ByteBuffer header = readAt(channel, 0, (int) Math.min(ELF_HEADER, size));
            Header h = parseHeader(name, header, size);
            ByteBuffer table = readAt(channel, h.phoff(), h.tableBytes());
            return new ElfImage(path, new FileSource(file, size), h.entry(), parseSegments(name, h, table, size));
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ImageFormatException(name + ": permission denied");
        } catch (IOException e) {
            throw new ImageFormatException(name + ": cannot read: " + e.getMessage());
        }
    }

    /** Validates and parses image bytes held in memory; {@code path} only names the image in messages. */
    public static ElfImage parse(Path path, byte[] bytes) throws ImageFormatException {
        String name = String.valueOf(path);
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Header h = parseHeader(name, all.slice(0, Math.min(ELF_HEADER, bytes.length)).order(ByteOrder.LITTLE_ENDIAN),
                bytes.length);
        ByteBuffer table = all.slice((int) h.phoff(), h.tableBytes()).order(ByteOrder.LITTLE_ENDIAN);
        return new ElfImage(path, new ArraySource(bytes.clone()), h.entry(),
                parseSegments(name, h, table, bytes.length));
    }

    /** The fields of the ELF header a loader needs, checked against the file's size. */
    private record Header(long entry, long phoff, int phentsize, int phnum) {
        int tableBytes() {
            return phentsize * phnum;
        }
    }

    private static Header parseHeader(String name, ByteBuffer b, long fileSize) throws ImageFormatException {
        int have = b.remaining();
        if (have < 4 || b.get(0) != 0x7f || b.get(1) != 'E' || b.get(2) != 'L' || b.get(3) != 'F') {
            throw new ImageFormatException(name + ": not an ELF file");
        }
        if (have < ELF_HEADER) {
            throw new ImageFormatException(name + ": truncated ELF header");
        }
        if (b.get(4) != 2) {
            throw new ImageFormatException(name + ": not a 64-bit ELF (rv64 expected)");
        }
        if (b.get(5) != 1) {
            throw new ImageFormatException(name + ": not a little-endian ELF");
        }
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
        if (phentsize < PROGRAM_HEADER || phoff < 0 || phoff > fileSize
                || (long) phentsize * phnum > fileSize - phoff) {
            throw new ImageFormatException(name + ": ELF program headers lie outside the file");
        }
        if ((long) phentsize * phnum > MAX_PROGRAM_HEADERS_BYTES) {
            throw new ImageFormatException(name + ": ELF has too many program headers (" + phnum + ")");
        }
        return new Header(entry, phoff, phentsize, phnum);
    }

    private static List<Segment> parseSegments(String name, Header h, ByteBuffer table, long fileSize)
            throws ImageFormatException {
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < h.phnum(); i++) {
            int ph = i * h.phentsize();
            if (table.getInt(ph) != PT_LOAD) {
                continue;
            }
            long offset = table.getLong(ph + 8);
            long paddr = table.getLong(ph + 24);
            long filesz = table.getLong(ph + 32);
            long memsz = table.getLong(ph + 40);
            if (filesz < 0 || offset < 0 || filesz > fileSize || offset > fileSize - filesz) {
                throw new ImageFormatException(name + ": ELF segment " + i + " lies outside the file");
            }
            if (memsz < filesz || memsz < 0) {
                throw new ImageFormatException(name + ": ELF segment " + i + " has memsz < filesz");
            }
            if (memsz == 0) {
                continue;
            }
            segments.add(new Segment(paddr, offset, filesz, memsz));
        }
        if (segments.isEmpty()) {
            throw new ImageFormatException(name + ": ELF has no loadable segment");
        }
        return segments;
    }

    private static ByteBuffer readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                break;
            }
        }
        return buf.flip();
    }

    /**
     * Copies every segment's file bytes to {@code sink}, in file order, a chunk at a time (the zero fill up to
     * {@code memSize} is the sink's business). A file is opened again for this; if it changed size since it was
     * validated, nothing more is copied.
     *
     * @throws ImageFormatException if the file can no longer be read or no longer has the validated size
     */
    public void copySegments(SegmentSink sink) throws ImageFormatException {
        byte[] chunk = new byte[COPY_CHUNK];
        if (source instanceof ArraySource(byte[] bytes)) {
            for (Segment s : segments) {
                sink.write(s.physAddr(), bytes, (int) s.fileOffset(), (int) s.fileSize());
            }
            return;
        }
        FileSource file = (FileSource) source;
        try (FileChannel channel = FileChannel.open(file.file(), StandardOpenOption.READ)) {
            if (channel.size() != file.size()) {
                throw new ImageFormatException(path + ": the file changed since it was checked");
            }
            for (Segment s : segments) {
                long done = 0;
                while (done < s.fileSize()) {
                    ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, s.fileSize() - done));
                    int n = channel.read(buf, s.fileOffset() + done);
                    if (n < 0) {
                        throw new ImageFormatException(path + ": the file changed since it was checked");
                    }
                    sink.write(s.physAddr() + done, chunk, 0, n);
                    done += n;
                }
            }
        } catch (IOException e) {
            throw new ImageFormatException(path + ": cannot read: " + e.getMessage());
        }
    }

    private static String describeSize(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }

    /** Where the image came from, as messages name it. */
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
