package dev.ferry.host.vm;

import java.io.OutputStream;

/**
 * The console output of one VM: a bounded ring of the most recent bytes, addressed by a monotonically
 * increasing offset (the count of bytes the guest ever wrote), so that clients can follow it without losing
 * their place. Readers that fall behind by more than the capacity lose the oldest bytes and are told so.
 */
public final class ConsoleBuffer extends OutputStream {

    /** Default capacity: 1 MiB. */
    public static final int DEFAULT_CAPACITY = 1 << 20;

    /**
     * Bytes read from the buffer.
     *
     * @param offset offset of the first byte of {@code data} (above the requested one when bytes were dropped)
     * @param data   the bytes
     * @param next   offset to ask for next
     */
    public record Chunk(long offset, byte[] data, long next) { }

    private final byte[] ring;
    /** Offset of the first byte this buffer was given (0, or where the output it took over was cut). */
    private long first;
    private long end;

    /** A buffer keeping the last {@code capacity} bytes. */
    public ConsoleBuffer(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.ring = new byte[capacity];
    }

    /** A buffer of {@link #DEFAULT_CAPACITY}. */
    public ConsoleBuffer() {
        this(DEFAULT_CAPACITY);
    }

    @Override
    public synchronized void write(int b) {
        ring[(int) (end % ring.length)] = (byte) b;
        end++;
        notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            ring[(int) (end % ring.length)] = b[off + i];
            end++;
        }
        notifyAll();
    }

    /** Offset one past the last byte written. */
    public synchronized long end() {
        return end;
    }

    /**
     * Bytes from {@code offset} on, at most {@code max}; waits up to {@code waitMillis} for output when there is
     * none yet. An offset beyond the end reads nothing and is answered with the end.
     */
    public synchronized Chunk read(long offset, int max, long waitMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + waitMillis;
        while (offset >= end && waitMillis > 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        long start = Math.max(offset, oldest());
        if (start >= end) {
            return new Chunk(end, new byte[0], end);
        }
        return copy(start, start + Math.min(max, end - start));
    }

    /** The last {@code max} bytes held (fewer when fewer are held), up to the end. */
    public synchronized Chunk last(int max) {
        return copy(Math.max(oldest(), end - max), end);
    }

    /**
     * Continues the output of a VM that ran elsewhere: this buffer, still empty, takes {@code tail} as the bytes
     * that end at offset {@code end}, so offsets go on where they were (clients following the console keep their
     * place) and readers see the earlier output first.
     *
     * @throws IllegalStateException    when bytes were written here already
     * @throws IllegalArgumentException when {@code tail} is longer than {@code end}
     */
    public synchronized void seed(long end, byte[] tail) {
        if (this.end != 0) {
            throw new IllegalStateException("the console has output already");
        }
        if (tail.length > end) {
            throw new IllegalArgumentException(tail.length + " bytes cannot end at offset " + end);
        }
        int keep = Math.min(tail.length, ring.length);
        this.first = end - keep;
        this.end = first;
        write(tail, tail.length - keep, keep);
    }

    /** All bytes still held, oldest first. */
    public synchronized byte[] contents() {
        return copy(oldest(), end).data();
    }

    /** Offset of the oldest byte held. */
    private long oldest() {
        return Math.max(first, end - ring.length);
    }

    /** The bytes held from offset {@code from} to {@code to}. */
    private Chunk copy(long from, long to) {
        byte[] out = new byte[(int) (to - from)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ring[(int) ((from + i) % ring.length)];
        }
        return new Chunk(from, out, to);
    }
}
