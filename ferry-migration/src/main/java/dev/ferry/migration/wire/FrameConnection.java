package dev.ferry.migration.wire;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP connection that carries frames. Sends are serialized (several threads may send); one thread
 * receives. Receives wait in short socket timeouts so that {@link #close()} and deadlines are noticed; a frame
 * that stalls half-way fails after {@link #MID_FRAME_MILLIS}. Bytes in both directions are added to a counter
 * shared by all connections of a migration.
 */
public final class FrameConnection implements AutoCloseable {

    /** How long a started frame may take to arrive completely. */
    public static final long MID_FRAME_MILLIS = 10_000;
    /** Default wait for a reply the protocol expects. */
    public static final long REPLY_MILLIS = 30_000;
    private static final int POLL_MILLIS = 250;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final AtomicLong wireBytes;
    private final Object sendLock = new Object();
    private volatile boolean closed;

    /** Wraps a connected socket. */
    public FrameConnection(Socket socket, AtomicLong wireBytes) throws IOException {
        this.socket = socket;
        this.wireBytes = wireBytes;
        socket.setTcpNoDelay(true);
        socket.setKeepAlive(true);
        socket.setSoTimeout(POLL_MILLIS);
        this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code address} within 10 s. */
    public static FrameConnection connect(InetSocketAddress address, AtomicLong wireBytes) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, 10_000);
            s.setSendBufferSize(1 << 20);
            return new FrameConnection(s, wireBytes);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Sends one frame. Thread-safe. */
    public void send(Frame frame) throws IOException {
        byte[] bytes = FrameCodec.encode(frame);
        synchronized (sendLock) {
            out.write(bytes);
            out.flush();
        }
        wireBytes.addAndGet(bytes.length);
    }

    /** Sends a frame already complete in {@code buf[0, length)} (see {@link FrameCodec#seal}). Thread-safe. */
    public void sendSealed(byte[] buf, int length) throws IOException {
        synchronized (sendLock) {
            out.write(buf, 0, length);
            out.flush();
        }
        wireBytes.addAndGet(length);
    }

    /**
     * Receives the next frame, waiting at most {@code timeoutMillis} for it to start (0 = until the connection
     * closes).
     *
     * @throws EOFException      when the peer closed the connection between frames
     * @throws ProtocolException for a corrupt frame or a timeout
     */
    public Frame receive(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (closed) {
                throw new EOFException("connection closed locally");
            }
            try {
                Frame f = FrameCodec.read(in, MID_FRAME_MILLIS);
                wireBytes.addAndGet(FrameCodec.HEADER + f.payload().length);
                return f;
            } catch (SocketTimeoutException e) {
                if (timeoutMillis > 0 && System.nanoTime() - deadline > 0) {
                    throw new ProtocolException("no answer from the peer within " + timeoutMillis + " ms");
                }
            }
        }
    }

    /**
     * Receives a frame of {@code type}; an ERROR frame becomes a {@link ProtocolException} with the peer's
     * reason, any other type a protocol violation.
     */
    public Frame expect(FrameType type, long timeoutMillis) throws IOException {
        Frame f = receive(timeoutMillis);
        if (f.type() == type) {
            return f;
        }
        if (f.type() == FrameType.ERROR) {
            throw new ProtocolException("peer reported: " + Messages.error(f));
        }
        throw new ProtocolException("expected a " + type + " frame, got " + f.type());
    }

    /** Sends an ERROR frame, ignoring failures (the connection may be gone already). */
    public void sendErrorQuietly(String reason) {
        try {
            send(Messages.error(reason));
        } catch (IOException | RuntimeException ignored) {
            // best effort: the peer may have gone
        }
    }

    /** The peer's address. */
    public String peer() {
        return String.valueOf(socket.getRemoteSocketAddress());
    }

    /** True once closed locally. */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the socket; a blocked receive ends. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
