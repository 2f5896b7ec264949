package dev.ferry.storage.qcow2;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendException;
import dev.ferry.machine.device.block.RawFileBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Creates qcow2 images laid out as {@code qemu-img create -f qcow2} lays them out: version 3, 64 KiB clusters,
 * 16-bit refcounts; the header in cluster 0, the refcount table in cluster 1, one refcount block in cluster 2 and
 * the L1 table from cluster 3. Templates and clones use {@link #createOverlay}: a new image whose unwritten clusters
 * read from a backing file; a template's base is made by {@link #copyOf}, which flattens any disk into one image.
 */
public final class Qcow2Image {

    /** Cluster size of new images: qemu-img's default. */
    public static final int CLUSTER_BITS = 16;

    private Qcow2Image() {
    }

    /**
     * Creates an empty image of {@code size} bytes at {@code path}, which must not exist.
     *
     * @throws BlockBackendException if the size is not a positive multiple of 512 within qcow2's limits, or the
     *                               file exists or cannot be written
     */
    public static void create(Path path, long size) throws BlockBackendException {
        write(path, size, null, null);
    }

    /**
     * Creates an image at {@code path} (which must not exist) whose unwritten clusters read from
     * {@code backingPath} of format {@code backingFormat} ({@code qcow2} or {@code raw}); its size is the backing
     * file's. The name is stored as given: a relative one is resolved against the new image's directory, as qemu
     * does.
     *
     * @throws BlockBackendException if the backing file cannot be opened as that format, or the new file cannot
     *                               be written
     */
    public static void createOverlay(Path path, Path backingPath, String backingFormat)
            throws BlockBackendException {
        Path resolved = BackingFiles.resolve(path, backingPath.toString());
        long size;
        try (BlockBackend b = switch (backingFormat) {
            case "qcow2" -> Qcow2Backend.open(resolved, true);
            case "raw" -> RawFileBackend.open(resolved, true);
            default -> throw new BlockBackendException("backing format " + backingFormat
                    + " is not supported (qcow2 and raw are)");
        }) {
            size = b.size();
        } catch (BlockBackendException e) {
            throw e;
        } catch (IOException e) {
            throw new BlockBackendException("backing file " + resolved + " cannot be read: " + e.getMessage());
        }
        write(path, size, backingPath.toString(), backingFormat);
    }

    /**
     * Creates an image at {@code path} (which must not exist) holding the virtual contents of {@code source}, of the
     * same size and without a backing file: clusters that read as zeros stay unallocated, every other cluster is
     * copied. The image is complete and forced to stable storage when this returns; on failure the file is removed.
     *
     * @param progress told the bytes of {@code source} read so far, after every 64 MiB and at the end
     * @return the bytes of data clusters the image holds
     * @throws IOException if {@code source} cannot be read or the image cannot be written
     */
    public static long copyOf(Path path, BlockBackend source, LongConsumer progress) throws IOException {
        long size = source.size();
        create(path, size);
        int clusterSize = 1 << CLUSTER_BITS;
        byte[] zeros = new byte[clusterSize];
        byte[] chunk = new byte[clusterSize];
        long data = 0;
        try (Qcow2Backend image = Qcow2Backend.open(path, false)) {
            for (long at = 0; at < size; at += clusterSize) {
                int n = (int) Math.min(clusterSize, size - at);
                source.read(at, chunk, 0, n);
                if (Arrays.mismatch(chunk, 0, n, zeros, 0, n) >= 0) {
                    image.write(at, chunk, 0, n);
                    data += n;
                }
                if (((at + n) & ((64L << 20) - 1)) == 0) {
                    progress.accept(at + n);
                }
            }
            image.flush();
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        progress.accept(size);
        return data;
    }

    private static void write(Path path, long size, String backing, String backingFormat)
            throws BlockBackendException {
        int clusterSize = 1 << CLUSTER_BITS;
        long perL1 = (long) clusterSize / 8 * clusterSize;
        if (size <= 0 || size % 512 != 0 || size > Qcow2Header.MAX_L1_BYTES / 8 * perL1) {
            throw new BlockBackendException("qcow2 image " + path + ": size " + size
                    + " is not a positive multiple of 512 within qcow2's limits");
        }
        byte[] name = backing == null ? new byte[0] : backing.getBytes(StandardCharsets.UTF_8);
        if (name.length > Qcow2Header.MAX_BACKING_NAME) {
            throw new BlockBackendException("qcow2 image " + path + ": backing file name longer than "
                    + Qcow2Header.MAX_BACKING_NAME + " bytes");
        }
        long l1Size = (size + perL1 - 1) / perL1;
        long l1Clusters = Math.max(1, (l1Size * 8 + clusterSize - 1) / clusterSize);
        long clusters = 3 + l1Clusters;
        ByteBuffer image = ByteBuffer.allocate((int) (clusters * clusterSize));
        image.putInt(0, Qcow2Header.MAGIC).putInt(4, 3);
        image.putInt(20, CLUSTER_BITS).putLong(24, size);
        image.putInt(36, (int) l1Size).putLong(40, 3L * clusterSize);
        image.putLong(48, clusterSize).putInt(56, 1);
        image.putInt(96, 4).putInt(100, Qcow2Header.V3_LENGTH);
        int at = Qcow2Header.V3_LENGTH;
        if (backingFormat != null) {
            byte[] format = backingFormat.getBytes(StandardCharsets.US_ASCII);
            image.putInt(at, Qcow2Header.EXT_BACKING_FORMAT).putInt(at + 4, format.length);
            image.put(at + 8, format);
            at += 8 + ((format.length + 7) & ~7);
        }
        at += 8;
        if (backing != null) {
            image.putLong(8, at).putInt(16, name.length);
            image.put(at, name);
        }
        image.putLong(clusterSize, 2L * clusterSize);
        for (int c = 0; c < clusters; c++) {
            image.putShort(2 * clusterSize + 2 * c, (short) 1);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (image.hasRemaining()) {
                ch.write(image);
            }
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new BlockBackendException("qcow2 image " + path + " already exists");
        } catch (IOException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new BlockBackendException("qcow2 image " + path + " cannot be written: " + e.getMessage());
        }
    }
}
