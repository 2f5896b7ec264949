package dev.ferry.storage.qcow2;

import dev.ferry.machine.device.block.BlockBackendException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The header of a qcow2 image (versions 2 and 3) with its extensions, read with every offset and size checked
 * against the file, so that a malformed or hostile image is refused with one line instead of being trusted.
 *
 * @param version               2 or 3
 * @param clusterBits           log2 of the cluster size, 9 to 21
 * @param size                  the virtual disk's size in bytes
 * @param l1Size                entries of the L1 table
 * @param l1TableOffset         where the L1 table starts
 * @param refcountTableOffset   where the refcount table starts
 * @param refcountTableClusters clusters of the refcount table
 * @param snapshots             number of internal snapshots
 * @param incompatibleFeatures  feature bits a reader must understand
 * @param autoclearFeatures     feature bits a writer that does not understand them clears
 * @param refcountOrder         log2 of the refcount width in bits
 * @param headerLength          bytes of the fixed header (72 for version 2)
 * @param backingFile           the backing file's name as written in the image, or null
 * @param backingFormat         the backing file's format from the header extension, or null
 */
public record Qcow2Header(int version, int clusterBits, long size, int l1Size, long l1TableOffset,
                          long refcountTableOffset, int refcountTableClusters, int snapshots,
                          long incompatibleFeatures, long autoclearFeatures, int refcountOrder, int headerLength,
                          String backingFile, String backingFormat) {

    /** "QFI\xfb". */
    public static final int MAGIC = 0x514649fb;
    /** Header bytes of version 2; version 3 adds fields up to {@link #V3_LENGTH}. */
    static final int V2_LENGTH = 72;
    /** Header bytes of version 3 including the compression type and its padding, as qemu-img writes them. */
    static final int V3_LENGTH = 112;
    /** Offset of the refcount table offset and cluster count (written together when the table moves). */
    static final int REFCOUNT_TABLE_FIELD = 48;
    /** Offset of the incompatible feature bits. */
    static final int INCOMPATIBLE_FIELD = 72;
    /** Offset of the autoclear feature bits. */
    static final int AUTOCLEAR_FIELD = 88;

    /** Incompatible feature: refcounts may be stale (lazy refcounts, not closed cleanly). */
    static final long DIRTY = 1;
    /** Incompatible feature: qemu found a corruption; the image may not be written. */
    static final long CORRUPT = 1 << 1;
    /** Incompatible feature: guest data lives in an external file. */
    static final long EXTERNAL_DATA = 1 << 2;
    /** Incompatible feature: compressed clusters use a method other than zlib. */
    static final long COMPRESSION_TYPE = 1 << 3;
    /** Incompatible feature: L2 entries are 128 bits with subcluster bitmaps. */
    static final long EXTENDED_L2 = 1 << 4;

    /** Header extension: the backing file's format name. */
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    /** Header extension: the external data file's name. */
    static final int EXT_DATA_FILE = 0x44415441;
    /** Header extension: full-disk encryption parameters. */
    static final int EXT_CRYPTO = 0x0537be77;

    /** The largest L1 table qemu accepts (32 MiB); a bigger one is refused rather than allocated. */
    static final long MAX_L1_BYTES = 32L << 20;
    /** The largest refcount table qemu accepts (8 MiB). */
    static final long MAX_REFCOUNT_TABLE_BYTES = 8L << 20;
    /** Longest backing file name qemu reads. */
    static final int MAX_BACKING_NAME = 1023;
    /** The largest virtual size: 2^61 bytes, far beyond any disk and safely inside a long. */
    static final long MAX_SIZE = 1L << 61;

    /** Bytes per cluster. */
    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Entries of an L2 table. */
    int l2Entries() {
        return clusterSize() / 8;
    }

    /**
     * Reads and validates the header of {@code file} ({@code name} for messages).
     *
     * @throws BlockBackendException naming the first thing wrong
     */
    static Qcow2Header read(ImageFile file, String name) throws IOException {
        long length = file.length();
        if (length < V2_LENGTH) {
            throw bad(name, "is too short to be a qcow2 image (" + length + " bytes)");
        }
        ByteBuffer fixed = ByteBuffer.allocate(V3_LENGTH);
        file.read(fixed, 0);
        fixed.flip();
        if (fixed.getInt(0) != MAGIC) {
            throw bad(name, "is not a qcow2 image (no QFI\\xfb magic)");
        }
        int version = fixed.getInt(4);
        if (version != 2 && version != 3) {
            throw bad(name, "has qcow2 version " + Integer.toUnsignedString(version) + " (2 and 3 are supported)");
        }
        long backingOffset = fixed.getLong(8);
        int backingSize = fixed.getInt(16);
        int clusterBits = fixed.getInt(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw bad(name, "has cluster_bits " + Integer.toUnsignedString(clusterBits) + " (9 to 21 are valid)");
        }
        long clusterSize = 1L << clusterBits;
        long size = fixed.getLong(24);
        if (size < 0 || size > MAX_SIZE) {
            throw bad(name, "has an absurd virtual size (" + Long.toUnsignedString(size) + " bytes)");
        }
        if (size % 512 != 0) {
            throw bad(name, "has a virtual size of " + size + " bytes, not a whole number of 512-byte sectors");
        }
        if (fixed.getInt(32) != 0) {
            throw bad(name, "is encrypted (encryption is not supported)");
        }
        long l1Size = Integer.toUnsignedLong(fixed.getInt(36));
        long l1Offset = fixed.getLong(40);
        long refcountOffset = fixed.getLong(48);
        long refcountClusters = Integer.toUnsignedLong(fixed.getInt(56));
        long snapshots = Integer.toUnsignedLong(fixed.getInt(60));
        long snapshotsOffset = fixed.getLong(64);
        long incompatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        int headerLength = V2_LENGTH;
        int compressionType = 0;
        if (version == 3) {
            if (length < 104) {
                throw bad(name, "is truncated inside its version 3 header (" + length + " bytes)");
            }
            incompatible = fixed.getLong(INCOMPATIBLE_FIELD);
            autoclear = fixed.getLong(AUTOCLEAR_FIELD);
            refcountOrder = fixed.getInt(96);
            headerLength = fixed.getInt(100);
            if (headerLength < 104 || headerLength > clusterSize || headerLength % 8 != 0 && headerLength != 104) {
                throw bad(name, "has an invalid header length " + Integer.toUnsignedString(headerLength));
            }
            if (headerLength > 104) {
                compressionType = fixed.get(104) & 0xff;
            }
        }
        checkFeatures(name, incompatible, compressionType);
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw bad(name, "has refcount_order " + Integer.toUnsignedString(refcountOrder) + " (0 to 6 are valid)");
        }

        long entriesPerL1 = clusterSize / 8 * clusterSize;
        long l1Needed = (size + entriesPerL1 - 1) / entriesPerL1;
        if (l1Size * 8 > MAX_L1_BYTES) {
            throw bad(name, "has an L1 table of " + l1Size + " entries, more than qemu's limit of 32 MiB");
        }
        if (l1Size < l1Needed) {
            throw bad(name, "has an L1 table of " + l1Size + " entries, too small for its size (" + l1Needed
                    + " needed)");
        }
        Extent header = new Extent("the header", 0, clusterSize);
        Extent l1 = table(name, "the L1 table", l1Offset, l1Size * 8, clusterSize, length);
        if (refcountClusters == 0 || refcountClusters * clusterSize > MAX_REFCOUNT_TABLE_BYTES) {
            throw bad(name, "has a refcount table of " + refcountClusters + " clusters (1 to "
                    + MAX_REFCOUNT_TABLE_BYTES / clusterSize + " are valid)");
        }
        Extent refcounts = table(name, "the refcount table", refcountOffset, refcountClusters * clusterSize,
                clusterSize, length);
        if (snapshots > 65536) {
            throw bad(name, "claims " + snapshots + " snapshots (at most 65536 are valid)");
        }
        Extent snapshotTable = snapshots == 0 ? new Extent("the snapshot table", 0, 0)
                : table(name, "the snapshot table", snapshotsOffset, snapshots * 40, 8, length);
        header.checkApart(name, l1);
        header.checkApart(name, refcounts);
        l1.checkApart(name, refcounts);
        snapshotTable.checkApart(name, header);
        snapshotTable.checkApart(name, l1);
        snapshotTable.checkApart(name, refcounts);

        ByteBuffer first = ByteBuffer.allocate((int) Math.min(clusterSize, length));
        file.read(first, 0);
        first.flip();
        String backingFile = null;
        if (backingOffset != 0) {
            if (backingSize == 0 || Integer.toUnsignedLong(backingSize) > MAX_BACKING_NAME
                    || backingOffset < headerLength || backingOffset + backingSize > first.limit()) {
                throw bad(name, "has an invalid backing file name (offset " + Long.toUnsignedString(backingOffset)
                        + ", " + Integer.toUnsignedString(backingSize) + " bytes)");
            }
            byte[] raw = new byte[backingSize];
            first.get((int) backingOffset, raw);
            backingFile = new String(raw, StandardCharsets.UTF_8);
            if (backingFile.indexOf('\0') >= 0) {
                throw bad(name, "has a backing file name with a NUL byte");
            }
        }
        String backingFormat = readExtensions(name, first, headerLength,
                backingOffset != 0 ? (int) backingOffset : first.limit());
        return new Qcow2Header(version, clusterBits, size, (int) l1Size, l1Offset, refcountOffset,
                (int) refcountClusters, (int) snapshots, incompatible, autoclear, refcountOrder, headerLength,
                backingFile, backingFormat);
    }

    private static void checkFeatures(String name, long incompatible, int compressionType) throws IOException {
        if ((incompatible & EXTERNAL_DATA) != 0) {
            throw bad(name, "keeps its data in an external data file (not supported)");
        }
        if ((incompatible & EXTENDED_L2) != 0) {
            throw bad(name, "uses extended L2 entries with subclusters (not supported)");
        }
        if ((incompatible & COMPRESSION_TYPE) != 0 || compressionType != 0) {
            throw bad(name, "uses compression type " + compressionType + " (not supported)");
        }
        long unknown = incompatible & ~(DIRTY | CORRUPT);
        if (unknown != 0) {
            throw bad(name, "has unknown incompatible features 0x" + Long.toHexString(unknown));
        }
    }

    /** Walks the header extensions; returns the backing format, or null when there is none. */
    private static String readExtensions(String name, ByteBuffer first, int start, int end) throws IOException {
        String backingFormat = null;
        int at = start;
        while (at + 8 <= end) {
            int type = first.getInt(at);
            long len = Integer.toUnsignedLong(first.getInt(at + 4));
            if (type == 0) {
                return backingFormat;
            }
            long padded = (len + 7) & ~7L;
            if (at + 8 + padded > end) {
                throw bad(name, "has a header extension 0x" + Integer.toHexString(type) + " that runs past the header"
                        + " cluster");
            }
            byte[] data = new byte[(int) len];
            first.get(at + 8, data);
            switch (type) {
                case EXT_BACKING_FORMAT -> {
                    backingFormat = new String(data, StandardCharsets.US_ASCII);
                    if (len == 0 || len > 16 || !backingFormat.matches("[a-z0-9_-]+")) {
                        throw bad(name, "has an invalid backing format extension");
                    }
                }
                case EXT_DATA_FILE -> throw bad(name, "names an external data file (not supported)");
                case EXT_CRYPTO -> throw bad(name, "has an encryption header (encryption is not supported)");
                default -> {
                    // other extensions (feature names, bitmaps) do not change how data is read or written
                }
            }
            at += 8 + (int) padded;
        }
        return backingFormat;
    }

    private static Extent table(String name, String what, long offset, long bytes, long align, long fileLength)
            throws IOException {
        if (bytes == 0) {
            return new Extent(what, offset, 0);
        }
        if (offset <= 0 || offset % align != 0) {
            throw bad(name, "has " + what + " at an invalid offset " + Long.toUnsignedString(offset));
        }
        if (offset > fileLength || bytes > fileLength - offset) {
            throw bad(name, "has " + what + " past the end of the file (offset " + offset + ", " + bytes
                    + " bytes, file " + fileLength + " bytes)");
        }
        return new Extent(what, offset, bytes);
    }

    static BlockBackendException bad(String name, String what) {
        return new BlockBackendException("qcow2 image " + name + " " + what);
    }

    /** A byte range of the file holding one metadata structure. */
    private record Extent(String what, long offset, long bytes) {

        void checkApart(String name, Extent other) throws IOException {
            if (bytes > 0 && other.bytes > 0 && offset < other.offset + other.bytes
                    && other.offset < offset + bytes) {
                throw bad(name, "has " + what + " overlapping " + other.what);
            }
        }
    }
}
