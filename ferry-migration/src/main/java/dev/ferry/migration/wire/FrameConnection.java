package dev.ferry.migration.wire;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP connection that carries frames, on a non-blocking {@link SocketChannel}: frames are read into a direct
 * buffer owned by the connection and written from the caller's buffers, so page data never passes through the
 * Java heap on its way between guest memory and the socket. Sends are serialized (several threads may send);
 * one thread receives. Every wait has a deadline: a frame that stalls half-way fails after
 * {@link #MID_FRAME_MILLIS}, a peer that stops reading fails a send after {@link #SEND_MILLIS}, and
 * {@link #close()} ends any wait at once.
 *
 * <p>Until {@link #authenticated()} a frame may carry at most {@link #HANDSHAKE_MAX_PAYLOAD} bytes, so an
 * unauthenticated peer cannot make the receiver allocate more than that. Bytes in both directions are added to
 * a counter shared by all connections of a migration. When the handshake agreed on encryption, every later frame
 * is sealed and opened with AES-256-GCM ({@link FrameCipher}) instead of carrying a CRC.
 */
public final class FrameConnection implements AutoCloseable {

    /** How long a started frame may take to arrive completely. */
    public static final long MID_FRAME_MILLIS = 10_000;
    /** Default wait for a reply the protocol expects. */
    public static final long REPLY_MILLIS = 30_000;
    /** How long a send may wait for a peer that does not read. */
    public static final long SEND_MILLIS = 30_000;
    /** Largest payload accepted before the handshake authenticated the peer. */
    public static final int HANDSHAKE_MAX_PAYLOAD = 1024;
    private static final long CONNECT_MILLIS = 10_000;

    /**
     * A received frame whose payload is still in the connection's buffer.
     *
     * @param type    the frame type
     * @param payload the payload, position 0 to limit; valid until the next receive on this connection
     */
    public record Received(FrameType type, ByteBuffer payload) {

        /** A {@link Frame} holding a copy of the payload. */
        public Frame toFrame() {
            byte[] bytes = new byte[payload.remaining()];
            payload.duplicate().get(bytes);
            return new Frame(type, bytes);
        }
    }

    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;
    private final AtomicLong wireBytes;
    private final Object sendLock = new Object();
    private final ByteBuffer header = ByteBuffer.allocateDirect(FrameCodec.HEADER);
    private ByteBuffer payload = ByteBuffer.allocateDirect(512);
    private volatile int maxPayload = HANDSHAKE_MAX_PAYLOAD;
    /** Set once by the handshake when both sides agreed to encrypt; {@code null} on a plain connection. */
    private volatile FrameCipher cipher;
    private volatile boolean closed;
    private final String peer;

    /** Takes over a connected channel. */
    public FrameConnection(SocketChannel channel, AtomicLong wireBytes) throws IOException {
        this.channel = channel;
        this.wireBytes = wireBytes;
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        channel.configureBlocking(false);
        this.peer = String.valueOf(channel.getRemoteAddress());
        this.readable = Selector.open();
        this.writable = Selector.open();
        channel.register(readable, SelectionKey.OP_READ);
        channel.register(writable, SelectionKey.OP_WRITE);
    }

    /** Connects to {@code address} within 10 s. */
    public static FrameConnection connect(InetSocketAddress address, AtomicLong wireBytes) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(address, (int) CONNECT_MILLIS);
            return new FrameConnection(ch, wireBytes);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * From now on every frame this end sends is encrypted, and every frame it receives must be (see
     * {@link FrameCipher}). Called by the handshake once, before anyone else uses the connection.
     */
    void encrypt(FrameCipher frameCipher) {
        cipher = frameCipher;
    }

    /** True when the frames after the handshake are encrypted and authenticated (AES-256-GCM). */
    public boolean encrypted() {
        return cipher != null;
    }

    /** True when the peer's address is a loopback address (this host). */
    public boolean peerIsLoopback() {
        try {
            return channel.getRemoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                    && a.getAddress().isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** The handshake succeeded: frames up to {@link FrameCodec#MAX_PAYLOAD} are accepted from now on. */
    public void authenticated() {
        maxPayload = FrameCodec.MAX_PAYLOAD;
    }

    // ---------------------------------------------------------------- sending

    /** Sends one frame. Thread-safe. */
    public void send(Frame frame) throws IOException {
        sendSealed(ByteBuffer.wrap(FrameCodec.encode(frame)));
    }

    /**
     * Sends a complete frame: the bytes from {@code frame}'s position to its limit (see
     * {@link FrameCodec#seal}). The buffer's position is left as it was. Thread-safe.
     */
    public void sendSealed(ByteBuffer frame) throws IOException {
        int n;
        synchronized (sendLock) {
            FrameCipher c = cipher;
            ByteBuffer b = c == null ? frame.duplicate() : c.seal(frame.duplicate());
            n = b.remaining();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SEND_MILLIS);
            while (b.hasRemaining()) {
                if (write(b) == 0) {
                    await(writable, deadline, "the peer stopped reading: a send made no progress for "
                            + SEND_MILLIS / 1000 + " s");
                }
            }
        }
        wireBytes.addAndGet(n);
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Receives the next frame, waiting at most {@code timeoutMillis} for it to start (0 = until the connection
     * closes).
     *
     * @throws EOFException      when the peer closed the connection between frames
     * @throws ProtocolException for a corrupt frame or a timeout
     */
    public Frame receive(long timeoutMillis) throws IOException {
        return receiveInPlace(timeoutMillis).toFrame();
    }

    /**
     * Like {@link #receive} but leaves the payload in the connection's direct buffer, for frames that are only
     * read once (page batches). Receiving thread only.
     */
    public Received receiveInPlace(long timeoutMillis) throws IOException {
        long start = System.nanoTime();
        header.clear();
        while (header.position() == 0) {
            int n = read(header);
            if (n < 0) {
                throw new EOFException("connection closed");
            }
            if (n == 0) {
                long deadline = timeoutMillis > 0 ? start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
                await(readable, deadline, "no answer from the peer within " + timeoutMillis + " ms");
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MID_FRAME_MILLIS);
        readFully(header, deadline, "frame header");
        FrameCodec.Header h = FrameCodec.header(header, maxPayload);
        FrameCipher c = cipher;
        boolean sealed = c != null && c.sealed(h);
        int length = h.length() + (sealed ? FrameCipher.TAG : 0);
        if (payload.capacity() < length) {
            payload = ByteBuffer.allocateDirect(Math.min(maxPayload + FrameCipher.TAG,
                    Math.max(length, payload.capacity() * 2)));
        }
        payload.clear().limit(length);
        readFully(payload, deadline, "frame payload");
        payload.flip();
        Received r = sealed ? c.open(h, header, payload)
                : new Received(FrameCodec.verify(h, header, payload), payload.asReadOnlyBuffer());
        wireBytes.addAndGet(FrameCodec.HEADER + length);
        return r;
    }

    private void readFully(ByteBuffer b, long deadline, String what) throws IOException {
        while (b.hasRemaining()) {
            int n = read(b);
            if (n < 0) {
                throw new ProtocolException("connection closed in the middle of a " + what + " (truncated frame)");
            }
            if (n == 0) {
                await(readable, deadline, "timed out in the middle of a " + what);
            }
        }
    }

    /** Waits until the selector's channel is ready, the deadline passes (0 = none) or the connection closes. */
    private void await(Selector selector, long deadline, String timeoutMessage) throws IOException {
        long waitMillis = 0;
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ProtocolException(timeoutMessage);
            }
            waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
        }
        try {
            selector.select(waitMillis);
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new EOFException("connection closed locally");
        }
    }

    private int read(ByteBuffer b) throws IOException {
        checkOpen();
        try {
            return channel.read(b);
        } catch (ClosedChannelException e) {
            throw new EOFException("connection closed locally");
        }
    }

    private int write(ByteBuffer b) throws IOException {
        checkOpen();
        try {
            return channel.write(b);
        } catch (ClosedChannelException e) {
            throw new EOFException("connection closed locally");
        }
    }

    private void checkOpen() throws EOFException {
        if (closed) {
            throw new EOFException("connection closed locally");
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
        return peer;
    }

    /** True once closed locally. */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the socket; a waiting send or receive ends. Idempotent. */
    @Override
    public void close() {
        closed = true;
        readable.wakeup();
        writable.wakeup();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
        try {
            readable.close();
            writable.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
