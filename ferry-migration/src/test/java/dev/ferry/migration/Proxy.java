package dev.ferry.migration;

import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A TCP proxy between source and target for failure tests: it can cut every connection, and it can flip one
 * byte of the source-to-target traffic (counted over all connections) or pass that traffic frame by frame
 * through a function that rewrites or drops frames.
 */
final class Proxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong forwarded = new AtomicLong();
    private final UnaryOperator<Frame> rewrite;
    private volatile long corruptAt = -1;
    private volatile boolean closed;
    private final Object frozenLock = new Object();
    private boolean frozen;

    Proxy(InetSocketAddress target) throws IOException {
        this(target, null);
    }

    /**
     * A proxy that hands every source-to-target frame to {@code rewrite} and forwards what it returns (nothing
     * for {@code null}); with a {@code null} function, bytes pass unparsed.
     */
    Proxy(InetSocketAddress target, UnaryOperator<Frame> rewrite) throws IOException {
        this.target = target;
        this.rewrite = rewrite;
        this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "test-proxy");
        t.setDaemon(true);
        t.start();
    }

    InetSocketAddress endpoint() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** Flips the byte at this offset of all source-to-target bytes forwarded from now on. */
    void corruptByte(long offset) {
        corruptAt = forwarded.get() + offset;
    }

    /**
     * Stops forwarding in both directions, as a peer stopped with SIGSTOP would: connections stay open, nothing is
     * read from them any more, so the sender's socket buffers fill up and its writes stall.
     */
    void freeze() {
        synchronized (frozenLock) {
            frozen = true;
        }
    }

    /** Forwards again what was held back and what comes. */
    void thaw() {
        synchronized (frozenLock) {
            frozen = false;
            frozenLock.notifyAll();
        }
    }

    private void awaitThawed() throws IOException {
        synchronized (frozenLock) {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (frozen && !closed) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("frozen for 2 minutes");
                }
                try {
                    frozenLock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while frozen");
                }
            }
        }
    }

    /** Bytes forwarded from source to target. */
    long forwarded() {
        return forwarded.get();
    }

    /** Cuts every connection (new ones are still accepted). */
    void cutAll() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // gone
            }
        }
        sockets.clear();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket in = server.accept();
                Socket out = new Socket(target.getAddress(), target.getPort());
                sockets.add(in);
                sockets.add(out);
                pump(in, out, true);
                pump(out, in, false);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean forward) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                if (forward && rewrite != null) {
                    copyFrames(in, out);
                    return;
                }
                int n;
                while ((n = in.read(buf)) > 0) {
                    awaitThawed();
                    if (forward) {
                        long start = forwarded.getAndAdd(n);
                        long at = corruptAt;
                        if (at >= start && at < start + n) {
                            buf[(int) (at - start)] ^= 0x5a;
                            corruptAt = -1;
                        }
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // connection cut
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // gone
                }
            }
        }, "test-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void copyFrames(InputStream in, OutputStream out) throws IOException {
        DataInputStream data = new DataInputStream(in);
        while (true) {
            byte[] header = new byte[FrameCodec.HEADER];
            try {
                data.readFully(header);
            } catch (EOFException e) {
                return;
            }
            int length = ByteBuffer.wrap(header).getInt(4);
            if (length < 0 || length > FrameCodec.MAX_PAYLOAD) {
                throw new IOException("frame length " + length);
            }
            byte[] frame = Arrays.copyOf(header, FrameCodec.HEADER + length);
            data.readFully(frame, FrameCodec.HEADER, length);
            Frame f = FrameCodec.decode(frame);
            forwarded.addAndGet(FrameCodec.HEADER + f.payload().length);
            Frame changed = rewrite.apply(f);
            if (changed != null) {
                out.write(FrameCodec.encode(changed));
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        thaw();
        server.close();
        cutAll();
    }
}
