package dev.ferry.machine.device.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A raw disk image: the file's bytes are the disk's bytes, as QEMU's {@code format=raw}. Reads and writes go
 * through a {@link FileChannel}; a flush forces data and metadata to stable storage ({@code fdatasync}-like
 * {@code force(true)}) before the guest's flush request completes. The size is fixed when the disk is opened.
 */
public final class RawFileBackend implements BlockBackend {

    /** Bytes per sector: image sizes must be a multiple of it. */
    public static final int SECTOR = 512;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;

    private RawFileBackend(Path file, FileChannel channel, long size, boolean readOnly) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
    }

    /**
     * Opens {@code file} for reading, and for writing unless {@code readOnly}.
     *
     * @throws BlockBackendException if the file does not exist, is not a regular file, cannot be opened as asked
     *                               (a read-only file for a writable disk included) or its size is not a multiple
     *                               of 512 bytes
     */
    public static RawFileBackend open(Path file, boolean readOnly) throws BlockBackendException {
        if (!Files.exists(file)) {
            throw new BlockBackendException("disk image " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new BlockBackendException("disk image " + file + " is not a regular file");
        }
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new BlockBackendException("disk image " + file + " cannot be opened "
                    + (readOnly ? "for reading" : "for writing (use readonly=on to attach it read-only)"));
        } catch (NoSuchFileException e) {
            throw new BlockBackendException("disk image " + file + " does not exist");
        } catch (IOException e) {
            throw new BlockBackendException("disk image " + file + " cannot be opened: " + e.getMessage());
        }
        try {
            long size = ch.size();
            if (size % SECTOR != 0) {
                throw new BlockBackendException("disk image " + file + " has " + size
                        + " bytes, which is not a multiple of 512");
            }
            return new RawFileBackend(file, ch, size, readOnly);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof BlockBackendException b ? b
                    : new BlockBackendException("disk image " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** The image file. */
    public Path file() {
        return file;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, dstOff, len);
        long at = offset;
        while (b.hasRemaining()) {
            int n = channel.read(b, at);
            if (n < 0) {
                while (b.hasRemaining()) {
                    b.put((byte) 0);
                }
                return;
            }
            at += n;
        }
    }

    @Override
    public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (readOnly) {
            throw new IOException("disk image " + file + " is read-only");
        }
        ByteBuffer b = ByteBuffer.wrap(src, srcOff, len);
        long at = offset;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(true);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
