package dev.ferry.machine.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file whose bytes go into guest memory as they are: a Linux {@code Image}, a raw firmware binary, an initrd.
 * Opening checks that the file exists, is a readable regular file and is not empty; the bytes are streamed into
 * memory by {@link #copyTo}, never held whole in the heap.
 */
public final class RawFile {

    private static final int COPY_CHUNK = 64 * 1024;

    private final Path path;
    private final String what;
    private final long size;

    private RawFile(Path path, String what, long size) {
        this.path = path;
        this.what = what;
        this.size = size;
    }

    /**
     * Opens {@code path}; {@code what} names its role in messages ("initrd", "firmware", ...).
     *
     * @throws ImageFormatException if the file is missing, unreadable, not a regular file or empty
     */
    public static RawFile open(Path path, String what) throws ImageFormatException {
        String name = what + " " + path;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (!Files.isRegularFile(path)) {
                throw new ImageFormatException(name + ": not a regular file");
            }
            long size = channel.size();
            if (size == 0) {
                throw new ImageFormatException(name + ": the file is empty");
            }
            return new RawFile(path, what, size);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ImageFormatException(name + ": permission denied");
        } catch (IOException e) {
            throw new ImageFormatException(name + ": cannot read: " + e.getMessage());
        }
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Its role, as messages name it. */
    public String what() {
        return what;
    }

    /** Its size in bytes when it was opened. */
    public long size() {
        return size;
    }

    /** Reads up to {@code length} bytes from the start of the file (fewer if it is shorter). */
    public byte[] head(int length) throws ImageFormatException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, size));
            while (buf.hasRemaining() && channel.read(buf, buf.position()) >= 0) {
                continue;
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        } catch (IOException e) {
            throw new ImageFormatException(what + " " + path + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * Copies the whole file to {@code sink} starting at guest address {@code address}, a chunk at a time.
     *
     * @throws ImageFormatException if the file can no longer be read or changed size since it was opened
     */
    public void copyTo(long address, ElfImage.SegmentSink sink) throws ImageFormatException {
        byte[] chunk = new byte[COPY_CHUNK];
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() != size) {
                throw new ImageFormatException(what + " " + path + ": the file changed since it was checked");
            }
            long done = 0;
            while (done < size) {
                int n = channel.read(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - done)), done);
                if (n < 0) {
                    throw new ImageFormatException(what + " " + path + ": the file changed since it was checked");
                }
                sink.write(address + done, chunk, 0, n);
                done += n;
            }
        } catch (IOException e) {
            throw new ImageFormatException(what + " " + path + ": cannot read: " + e.getMessage());
        }
    }
}
