package dev.ferry.machine.state;

import dev.ferry.machine.memory.GuestMemory;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The on-disk form of a stopped machine: the state record of every component of its {@link ComponentRoster}
 * plus the non-zero pages of guest RAM, protected by a CRC32C. The layout is described in
 * {@code docs/state-format.md}. Writing goes through a temporary file in the same directory that is synced and
 * then atomically renamed over the target, so a crash leaves either the old file or the complete new one.
 * Reading validates the whole file before returning, so nothing is applied from a file that turns out to be
 * bad; it maps the file rather than reading it into the heap.
 */
public final class MachineStateFile {

    /** The first bytes of every state file. */
    static final byte[] MAGIC = "FERRYST".getBytes(StandardCharsets.US_ASCII);
    /** The format version this build writes. */
    public static final int FORMAT_VERSION = 2;
    /** The oldest format version this build reads. */
    public static final int OLDEST_READABLE_VERSION = 1;
    /**
     * Component ids that version 1 used and version 2 renamed: the balloon was {@code "balloon"} there and is
     * named by its virtio-mmio slot now. Fixed history, so the names are spelled out.
     */
    private static final Map<String, String> VERSION_1_IDS = Map.of("balloon", "virtio_mmio@10008000");
    /** Bytes of the fixed header: magic, version, total file length. */
    static final int HEADER_SIZE = MAGIC.length + 1 + 8;
    /** Bytes of a section apart from its variable parts: section length, name and type lengths, fingerprint, data length. */
    private static final int SECTION_OVERHEAD = 4 + 2 + 2 + 8 + 4;
    /** Bytes of one page record: its 4-byte index and the page. */
    static final int PAGE_RECORD = 4 + GuestMemory.PAGE_SIZE;
    private static final int MEMORY_HEADER = 8 + 8 + 4;
    private static final int TRAILER = 4;
    private static final int MIN_FILE = HEADER_SIZE + 4 + MEMORY_HEADER + TRAILER;
    /** Most bytes the component sections of one file may take; the records of a real machine take a few KiB. */
    public static final long MAX_COMPONENT_BYTES = 16L << 20;
    private static final long CRC_CHUNK = 1 << 20;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MachineStateFile() {
    }

    /**
     * Writes the state of a stopped machine to {@code path}, replacing any existing file atomically.
     *
     * @param roster the machine's components; each one's current state is saved under its id
     * @param memory guest RAM; every page must be present
     * @throws IllegalArgumentException if a record cannot be encoded (nothing is written then)
     * @throws IllegalStateException    if some RAM pages are not present (post-copy still running)
     */
    public static void write(Path path, ComponentRoster roster, GuestMemory memory) throws IOException {
        if (memory.absentPages() != 0) {
            throw new IllegalStateException(memory.absentPages() + " RAM pages are not present; cannot save");
        }
        Map<String, Section> sections = new TreeMap<>();
        long length = HEADER_SIZE + 4L;
        for (EncodedComponent c : roster.encode()) {
            Section s = Section.of(c);
            sections.put(c.id(), s);
            length += s.encodedSize();
        }
        int[] pages = nonZeroPages(memory);
        length += MEMORY_HEADER + (long) pages.length * PAGE_RECORD + TRAILER;

        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream raw = Channels.newOutputStream(channel);
                CRC32C crc = new CRC32C();
                DataOutputStream out = new DataOutputStream(
                        new BufferedOutputStream(new CheckedOutputStream(raw, crc), 1 << 16));
                out.write(MAGIC);
                out.writeByte(FORMAT_VERSION);
                out.writeLong(length);
                out.writeInt(sections.size());
                for (Section s : sections.values()) {
                    s.writeTo(out);
                }
                out.writeLong(memory.base());
                out.writeLong(memory.size());
                out.writeInt(pages.length);
                byte[] buf = new byte[GuestMemory.PAGE_SIZE];
                for (int page : pages) {
                    out.writeInt(page);
                    memory.copyPage(page, buf, 0);
                    out.write(buf, 0, GuestMemory.PAGE_SIZE);
                }
                out.flush();
                out.writeInt((int) crc.getValue());
                out.flush();
                if (channel.size() != length) {
                    throw new IllegalStateException("wrote " + channel.size() + " bytes, expected " + length);
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + absolute + " atomically", e);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static int[] nonZeroPages(GuestMemory memory) {
        int[] pages = new int[memory.allocatedPages()];
        int n = 0;
        for (int page = 0; page < memory.pageCount(); page++) {
            if (!memory.isZeroPage(page)) {
                if (n == pages.length) {
                    pages = Arrays.copyOf(pages, n * 2 + 1);
                }
                pages[n++] = page;
            }
        }
        return Arrays.copyOf(pages, n);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not every platform can sync a directory; the rename itself has already happened.
        }
    }

    /**
     * Reads and validates a whole state file: magic, version, length, checksum, then structure. The header is
     * checked against the file's size before anything else is read; the file is then mapped, not copied: the
     * component records are copied out (at most {@link #MAX_COMPONENT_BYTES} in all), the RAM pages stay in the
     * mapping until they are applied.
     *
     * @throws StateFormatException with a one-line reason if the file is not a valid state file
     */
    public static LoadedState read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
            while (header.hasRemaining() && channel.read(header) >= 0) {
                // keep reading until the header is full or the file ends
            }
            header.flip();
            checkHeader(header, size);
            int version = header.get(MAGIC.length) & 0xff;
            long length = header.getLong(MAGIC.length + 1);
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, length, Arena.ofAuto());
            checkChecksum(file, length);
            return parse(new Cursor(file, HEADER_SIZE, length), version, length);
        }
    }

    private static void checkHeader(ByteBuffer header, long size) throws StateFormatException {
        int have = header.remaining();
        for (int i = 0; i < Math.min(have, MAGIC.length); i++) {
            if (header.get(i) != MAGIC[i]) {
                throw new StateFormatException("not a Ferry state file");
            }
        }
        if (have <= MAGIC.length) {
            throw new StateFormatException("state file is truncated");
        }
        int version = header.get(MAGIC.length) & 0xff;
        if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
            throw new StateFormatException("unsupported state format version " + version + " (this build reads "
                    + OLDEST_READABLE_VERSION + " to " + FORMAT_VERSION + ")");
        }
        if (have < HEADER_SIZE) {
            throw new StateFormatException("state file is truncated");
        }
        long length = header.getLong(MAGIC.length + 1);
        if (length < MIN_FILE) {
            throw new StateFormatException("state file header is corrupt (length " + length + ")");
        }
        if (size < length) {
            throw new StateFormatException("state file is truncated");
        }
        if (size > length) {
            throw new StateFormatException("state file has " + (size - length) + " bytes of trailing data (corrupt)");
        }
    }

    private static void checkChecksum(MemorySegment file, long length) throws StateFormatException {
        CRC32C crc = new CRC32C();
        long end = length - TRAILER;
        for (long pos = 0; pos < end; pos += CRC_CHUNK) {
            crc.update(file.asSlice(pos, Math.min(CRC_CHUNK, end - pos)).asByteBuffer());
        }
        if (file.get(INT, end) != (int) crc.getValue()) {
            throw new StateFormatException("state file checksum mismatch (corrupt)");
        }
    }

    private static LoadedState parse(Cursor in, int version, long length) throws StateFormatException {
        long bodyEnd = length - TRAILER;
        int count = in.readInt();
        if (count < 0 || count > (bodyEnd - in.position()) / SECTION_OVERHEAD) {
            throw malformed("component count " + Integer.toUnsignedString(count));
        }
        Map<String, EncodedComponent> components = new TreeMap<>();
        long componentBytes = 0;
        for (int i = 0; i < count; i++) {
            long sectionLength = in.readInt() & 0xffff_ffffL;
            long sectionStart = in.position();
            if (sectionLength < SECTION_OVERHEAD - 4 || sectionLength > bodyEnd - MEMORY_HEADER - sectionStart) {
                throw malformed("component section " + i + " has length " + sectionLength);
            }
            componentBytes += sectionLength;
            if (componentBytes > MAX_COMPONENT_BYTES) {
                throw malformed("the component records take more than " + (MAX_COMPONENT_BYTES >> 20) + " MiB");
            }
            String name = readName(in);
            String typeName = readName(in);
            long fingerprint = in.readLong();
            long dataLength = in.readInt() & 0xffff_ffffL;
            if (in.position() - sectionStart + dataLength != sectionLength) {
                throw malformed("component section " + i + " has inconsistent lengths");
            }
            byte[] data = in.readBytes((int) dataLength);
            if (version == 1) {
                name = VERSION_1_IDS.getOrDefault(name, name);
            }
            if (name.isEmpty() || components.containsKey(name)) {
                throw malformed("component name '" + name + "' is empty or repeated");
            }
            components.put(name, new EncodedComponent(name, typeName, fingerprint, data));
        }
        if (bodyEnd - in.position() < MEMORY_HEADER) {
            throw malformed("memory section is missing");
        }
        long ramBase = in.readLong();
        long ramSize = in.readLong();
        int pageCount = in.readInt();
        if (ramSize <= 0 || (ramSize & GuestMemory.PAGE_MASK) != 0 || (ramBase & GuestMemory.PAGE_MASK) != 0
                || (ramSize >>> GuestMemory.PAGE_SHIFT) > Integer.MAX_VALUE) {
            throw malformed("RAM size " + ramSize + " at 0x" + Long.toHexString(ramBase));
        }
        long ramPages = ramSize >>> GuestMemory.PAGE_SHIFT;
        long pagesStart = in.position();
        if (pageCount < 0 || pageCount > ramPages || (long) pageCount * PAGE_RECORD != bodyEnd - pagesStart) {
            throw malformed("page count " + Integer.toUnsignedString(pageCount) + " does not match the file");
        }
        int[] indices = new int[pageCount];
        int previous = -1;
        for (int i = 0; i < pageCount; i++) {
            int index = in.readInt();
            if (index <= previous || index >= ramPages) {
                throw malformed("page index " + Integer.toUnsignedString(index) + " is out of order or outside RAM");
            }
            in.skip(GuestMemory.PAGE_SIZE);
            indices[i] = index;
            previous = index;
        }
        return new LoadedState(components, ramBase, ramSize, indices,
                in.slice(pagesStart, (long) pageCount * PAGE_RECORD));
    }

    private static String readName(Cursor in) throws StateFormatException {
        int n = in.readShort() & 0xffff;
        byte[] b = in.readBytes(n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("a name is not valid UTF-8");
        }
    }

    private static StateFormatException malformed(String detail) {
        return new StateFormatException("state file is malformed: " + detail);
    }

    /** Reads big-endian fields from a mapped file, never past {@code end}. */
    private static final class Cursor {

        private final MemorySegment file;
        private final long end;
        private long pos;

        Cursor(MemorySegment file, long pos, long end) {
            this.file = file;
            this.pos = pos;
            this.end = end;
        }

        long position() {
            return pos;
        }

        private long take(long n) throws StateFormatException {
            if (n > end - pos) {
                throw malformed("a length runs past the end");
            }
            long at = pos;
            pos += n;
            return at;
        }

        short readShort() throws StateFormatException {
            return file.get(SHORT, take(2));
        }

        int readInt() throws StateFormatException {
            return file.get(INT, take(4));
        }

        long readLong() throws StateFormatException {
            return file.get(LONG, take(8));
        }

        byte[] readBytes(int n) throws StateFormatException {
            return file.asSlice(take(n), n).toArray(ValueLayout.JAVA_BYTE);
        }

        void skip(long n) throws StateFormatException {
            take(n);
        }

        MemorySegment slice(long from, long length) {
            return file.asSlice(from, length);
        }
    }

    /** One encoded component, ready to write. */
    private record Section(byte[] name, byte[] typeName, long fingerprint, byte[] data) {

        static Section of(EncodedComponent c) {
            return new Section(c.id().getBytes(StandardCharsets.UTF_8), c.type().getBytes(StandardCharsets.UTF_8),
                    c.fingerprint(), c.data());
        }

        long encodedSize() {
            return SECTION_OVERHEAD + name.length + typeName.length + data.length;
        }

        void writeTo(DataOutputStream out) throws IOException {
            out.writeInt((int) (encodedSize() - 4));
            out.writeShort(name.length);
            out.write(name);
            out.writeShort(typeName.length);
            out.write(typeName);
            out.writeLong(fingerprint);
            out.writeInt(data.length);
            out.write(data);
        }
    }
}
