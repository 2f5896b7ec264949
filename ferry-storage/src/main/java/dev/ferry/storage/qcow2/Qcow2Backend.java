package dev.ferry.storage.qcow2;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A qcow2 disk image (versions 2 and 3, as {@code qemu-img} makes them) behind virtio-blk. Reads go through the L1
 * and L2 tables to the data clusters; what is not allocated comes from the backing file (qcow2 or raw) or reads as
 * zeros; compressed clusters (zlib, as {@code qemu-img convert -c} writes them) are inflated. A write into an
 * unallocated or compressed cluster copies the rest of the cluster (from the backing file, or inflated) into a new
 * cluster at the end of the file; a replaced compressed cluster is counted down once the change is durable.
 * Metadata is updated in a crash-safe order: the new cluster's contents, then its refcount, and only after a force
 * the L2 and L1 entries that point at it ({@link ClusterMap}, {@link Refcounts}); {@link #flush()} forces
 * everything to stable storage. An image left dirty by qemu's lazy refcounts is recounted ({@link RefcountRepair})
 * before it is written. Whatever a crash interrupts, {@code qemu-img check} finds at most leaked clusters, and every
 * write completed before a flush reads back.
 */
public final class Qcow2Backend implements BlockBackend {

    /** Backing chains deeper than this are refused (a loop would be infinite). */
    static final int MAX_CHAIN = 32;

    private final Path path;
    private final ImageFile file;
    private final Qcow2Header header;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final BlockBackend backing;
    private final boolean readOnly;
    private final int clusterBits;
    private final int clusterSize;
    private final List<Long> released = new ArrayList<>();
    private boolean closed;

    private Qcow2Backend(Path path, ImageFile file, Qcow2Header header, ClusterMap map, Refcounts refcounts,
                         BlockBackend backing, boolean readOnly) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.map = map;
        this.refcounts = refcounts;
        this.backing = backing;
        this.readOnly = readOnly;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
    }

    /**
     * Opens the qcow2 image {@code file} and its backing chain (backing files are opened read-only).
     *
     * @throws BlockBackendException with a one-line message if the image or a backing file is missing, unreadable,
     *                               malformed, or uses a feature this back end does not implement
     */
    public static Qcow2Backend open(Path file, boolean readOnly) throws BlockBackendException {
        return open(file, readOnly, 0);
    }

    static Qcow2Backend open(Path file, boolean readOnly, int depth) throws BlockBackendException {
        ImageFile f = openFile(file, readOnly);
        try {
            return open(f, file, readOnly, depth);
        } catch (IOException e) {
            try {
                f.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof BlockBackendException b ? b
                    : new BlockBackendException("qcow2 image " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Opens an image over an already open file (tests pass files that fail on purpose). */
    static Qcow2Backend open(ImageFile f, Path file, boolean readOnly, int depth) throws IOException {
        String name = file.toString();
        Qcow2Header h = Qcow2Header.read(f, name);
        if (!readOnly) {
            checkWritable(h, name);
        }
        ClusterMap map = ClusterMap.load(f, h, name);
        Refcounts refcounts = readOnly ? null : Refcounts.load(f, h, name);
        if (!readOnly && (h.incompatibleFeatures() & Qcow2Header.DIRTY) != 0) {
            RefcountRepair.repair(f, h, refcounts, name);
        }
        BlockBackend backing = h.backingFile() == null ? null : BackingFiles.open(file, h, depth);
        try {
            if (!readOnly && h.autoclearFeatures() != 0) {
                f.write(ByteBuffer.allocate(8), Qcow2Header.AUTOCLEAR_FIELD);
                f.force();
            }
        } catch (IOException e) {
            if (backing != null) {
                backing.close();
            }
            throw e;
        }
        return new Qcow2Backend(file, f, h, map, refcounts, backing, readOnly);
    }

    private static void checkWritable(Qcow2Header h, String name) throws BlockBackendException {
        if (h.refcountOrder() != 4) {
            throw Qcow2Header.bad(name, "has " + (1 << h.refcountOrder()) + "-bit refcounts; only 16-bit ones "
                    + "(qemu-img's default) can be written (attach it with readonly=on)");
        }
        if ((h.incompatibleFeatures() & Qcow2Header.CORRUPT) != 0) {
            throw Qcow2Header.bad(name, "is marked corrupt; repair it with qemu-img check -r all or attach it "
                    + "with readonly=on");
        }
        if (h.snapshots() != 0) {
            throw Qcow2Header.bad(name, "has " + h.snapshots() + " internal snapshots; only images without "
                    + "them can be written (attach it with readonly=on)");
        }
    }

    private static ImageFile openFile(Path file, boolean readOnly) throws BlockBackendException {
        if (!Files.exists(file)) {
            throw new BlockBackendException("qcow2 image " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new BlockBackendException("qcow2 image " + file + " is not a regular file");
        }
        try {
            return new ChannelImageFile(readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (AccessDeniedException e) {
            throw new BlockBackendException("qcow2 image " + file + " cannot be opened "
                    + (readOnly ? "for reading" : "for writing (use readonly=on to attach it read-only)"));
        } catch (NoSuchFileException e) {
            throw new BlockBackendException("qcow2 image " + file + " does not exist");
        } catch (IOException e) {
            throw new BlockBackendException("qcow2 image " + file + " cannot be opened: " + e.getMessage());
        }
    }

    /** The image file. */
    public Path file() {
        return path;
    }

    /** The image's header as read when it was opened. */
    public Qcow2Header header() {
        return header;
    }

    @Override
    public long size() {
        return header.size();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public synchronized void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        checkRange(offset, len);
        forEachCluster(offset, len,
                (cluster, inCluster, done, n) -> readChunk(cluster, inCluster, dst, dstOff + done, n));
    }

    private void readChunk(long cluster, int inCluster, byte[] dst, int dstOff, int n) throws IOException {
        long e = map.entry(cluster);
        switch (kind(e, cluster)) {
            case DATA -> file.read(ByteBuffer.wrap(dst, dstOff, n), (e & ClusterMap.OFFSET_MASK) + inCluster);
            case COMPRESSED -> System.arraycopy(compressed(e), inCluster, dst, dstOff, n);
            case ZERO -> Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
            case UNALLOCATED -> readBelow((cluster << clusterBits) + inCluster, dst, dstOff, n);
        }
    }

    /** Reads what lies under an unallocated range: the backing file's bytes, zeros past its end or without one. */
    private void readBelow(long offset, byte[] dst, int dstOff, int n) throws IOException {
        int fromBacking = backing == null ? 0 : (int) Math.max(0, Math.min(n, backing.size() - offset));
        if (fromBacking > 0) {
            backing.read(offset, dst, dstOff, fromBacking);
        }
        Arrays.fill(dst, dstOff + fromBacking, dstOff + n, (byte) 0);
    }

    @Override
    public synchronized void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        checkWritable();
        checkRange(offset, len);
        forEachCluster(offset, len,
                (cluster, inCluster, done, n) -> writeChunk(cluster, inCluster, src, srcOff + done, n));
    }

    /** One cluster's part of a request: {@code n} bytes at {@code inCluster}, {@code done} bytes into the request. */
    @FunctionalInterface
    private interface ChunkAction {
        void apply(long cluster, int inCluster, int done, int n) throws IOException;
    }

    private void forEachCluster(long offset, int len, ChunkAction action) throws IOException {
        int done = 0;
        while (done < len) {
            long at = offset + done;
            int inCluster = (int) (at & (clusterSize - 1));
            int n = Math.min(len - done, clusterSize - inCluster);
            action.apply(at >>> clusterBits, inCluster, done, n);
            done += n;
        }
    }

    private void writeChunk(long cluster, int inCluster, byte[] src, int srcOff, int n) throws IOException {
        long e = map.entry(cluster);
        Kind kind = kind(e, cluster);
        long host = e & ClusterMap.OFFSET_MASK;
        if (host != 0 && (e & ClusterMap.COPIED) != 0
                && !refcounts.writableInPlace(host, header.l1TableOffset(), header.l1Size() * 8L)) {
            throw new IOException("qcow2 image " + path + ": L2 entry 0x" + Long.toHexString(e) + " of guest cluster "
                    + cluster + " points at metadata or past the end of the file");
        }
        if (kind == Kind.DATA && (e & ClusterMap.COPIED) != 0) {
            file.write(ByteBuffer.wrap(src, srcOff, n), host + inCluster);
            return;
        }
        byte[] contents = new byte[clusterSize];
        switch (n == clusterSize ? Kind.ZERO : kind) {
            case DATA -> file.read(ByteBuffer.wrap(contents), host);
            case COMPRESSED -> System.arraycopy(compressed(e), 0, contents, 0, clusterSize);
            case UNALLOCATED -> readBelow(cluster << clusterBits, contents, 0, clusterSize);
            case ZERO -> {
                // the new cluster starts as zeros, or the write covers all of it
            }
        }
        System.arraycopy(src, srcOff, contents, inCluster, n);
        boolean reuse = kind == Kind.ZERO && host != 0 && (e & ClusterMap.COPIED) != 0;
        long target = reuse ? host : refcounts.reserve();
        file.write(ByteBuffer.wrap(contents), target);
        if (!reuse) {
            refcounts.set(target, 1);
        }
        map.set(cluster, target | ClusterMap.COPIED, refcounts);
        if (kind == Kind.COMPRESSED) {
            release(e);
        }
    }

    /** Notes the host clusters a replaced compressed entry referenced, to count down after the next commit. */
    private void release(long compressedEntry) {
        for (long c : CompressedCluster.hostClusters(compressedEntry, clusterBits)) {
            released.add(c);
        }
    }

    /** Counts down what replaced entries referenced, once the commit that replaced them is durable. */
    private void countDownReleased() throws IOException {
        for (long c : released) {
            refcounts.set(c, Math.max(0, refcounts.get(c) - 1));
        }
        released.clear();
    }

    /**
     * Zeroes a range: on a version 3 image, whole clusters get the zero flag (an allocated cluster keeps its place
     * for later writes); partial clusters, and every cluster of a version 2 image, are written with zeros.
     */
    @Override
    public synchronized void writeZeroes(long offset, long len) throws IOException {
        checkWritable();
        checkRange(offset, len);
        long end = offset + len;
        long at = offset;
        while (at < end) {
            long clusterEnd = Math.min(end, ((at >>> clusterBits) + 1) << clusterBits);
            int n = (int) (clusterEnd - at);
            if (header.version() >= 3 && n == clusterSize) {
                long cluster = at >>> clusterBits;
                long e = map.entry(cluster);
                Kind kind = kind(e, cluster);
                long zeroed = kind == Kind.DATA && (e & ClusterMap.COPIED) != 0
                        ? (e & (ClusterMap.OFFSET_MASK | ClusterMap.COPIED)) | ClusterMap.ZERO : ClusterMap.ZERO;
                if (kind != Kind.ZERO && (kind != Kind.UNALLOCATED || backing != null)) {
                    map.set(cluster, zeroed, refcounts);
                }
                if (kind == Kind.COMPRESSED) {
                    release(e);
                }
            } else {
                byte[] zeros = new byte[n];
                write(at, zeros, 0, n);
            }
            at = clusterEnd;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (readOnly || closed) {
            return;
        }
        map.commit();
        file.force();
        countDownReleased();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!readOnly) {
                map.commit();
                file.force();
                countDownReleased();
                file.force();
            }
        } finally {
            try {
                file.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    private enum Kind { DATA, COMPRESSED, ZERO, UNALLOCATED }

    private Kind kind(long e, long cluster) throws IOException {
        if ((e & ClusterMap.COMPRESSED) != 0) {
            return Kind.COMPRESSED;
        }
        long host = e & ClusterMap.OFFSET_MASK;
        boolean zeroFlag = (e & ClusterMap.ZERO) != 0;
        if ((e & ~(ClusterMap.OFFSET_MASK | ClusterMap.COPIED | ClusterMap.ZERO)) != 0
                || (host & (clusterSize - 1)) != 0 || zeroFlag && header.version() < 3) {
            throw new IOException("qcow2 image " + path + ": corrupt L2 entry 0x" + Long.toHexString(e)
                    + " for guest cluster " + cluster);
        }
        if (zeroFlag) {
            return Kind.ZERO;
        }
        return host == 0 ? Kind.UNALLOCATED : Kind.DATA;
    }

    private byte[] compressed(long e) throws IOException {
        return CompressedCluster.inflate(file, e, clusterBits, path);
    }

    private void checkRange(long offset, long len) throws IOException {
        if (closed) {
            throw new IOException("qcow2 image " + path + " is closed");
        }
        if (offset < 0 || len < 0 || offset > header.size() - len) {
            throw new IOException("qcow2 image " + path + ": access at " + offset + "+" + len
                    + " is outside the disk (" + header.size() + " bytes)");
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException("qcow2 image " + path + " is read-only");
        }
    }
}
