package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An image file that "crashes" after a budget of writes: the write that exceeds it and everything after it fail
 * without reaching the file, as if the host had been killed there. Counts writes so a dry run can find every point.
 */
final class CrashingFile implements ImageFile {

    private final ChannelImageFile file;
    private long budget = Long.MAX_VALUE;
    private long failEvery;
    private long failures;
    private long writes;
    private boolean dead;
    private final List<Long> forces = new ArrayList<>();

    CrashingFile(Path path) throws IOException {
        this.file = new ChannelImageFile(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    /** Allows {@code n} more writes from now on. */
    void allow(long n) {
        budget = n > Long.MAX_VALUE - writes ? Long.MAX_VALUE : writes + n;
    }

    /** From now on every {@code k}-th write fails without reaching the file (a full disk), the others succeed. */
    void failEvery(long k) {
        failEvery = k;
    }

    /** Writes refused by {@link #failEvery}. */
    long failures() {
        return failures;
    }

    /** Writes done so far. */
    long writes() {
        return writes;
    }

    /** The write count at each force so far. */
    List<Long> forces() {
        return forces;
    }

    /** True once a write was refused. */
    boolean crashed() {
        return dead;
    }

    /** Refuses every write and force from now on. */
    void kill() {
        dead = true;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        file.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        if (dead || writes >= budget) {
            dead = true;
            throw new IOException("simulated crash");
        }
        if (failEvery > 0 && (writes + failures) % failEvery == failEvery - 1) {
            failures++;
            throw new IOException("No space left on device (simulated)");
        }
        writes++;
        file.write(src, position);
    }

    @Override
    public long length() throws IOException {
        return file.length();
    }

    @Override
    public void force() throws IOException {
        if (dead) {
            throw new IOException("simulated crash");
        }
        forces.add(writes);
        file.force();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
