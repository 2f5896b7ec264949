package dev.ferry.storage.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.LongSupplier;

/**
 * One socket to an NBD server (TCP or Unix domain) whose every operation finishes by a deadline: a server that
 * stops reading or answering costs the caller at most the time it allowed, never a hang. The socket is
 * non-blocking and waits in a selector; deadlines are {@link System#nanoTime()}-style instants of the given clock.
 */
final class NbdChannel implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final LongSupplier clock;
    private final String peer;

    private NbdChannel(SocketChannel channel, Selector selector, SelectionKey key, LongSupplier clock, String peer) {
        this.channel = channel;
        this.selector = selector;
        this.key = key;
        this.clock = clock;
        this.peer = peer;
    }

    /** Connects to {@code address} by {@code deadline}. */
    static NbdChannel connect(NbdAddress address, long deadline, LongSupplier clock) throws IOException {
        SocketChannel ch = address.socket() != null ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        Selector sel = null;
        try {
            ch.configureBlocking(false);
            if (address.socket() == null) {
                ch.socket().setTcpNoDelay(true);
            }
            sel = Selector.open();
            SelectionKey key = ch.register(sel, 0);
            String peer = address.socket() != null ? address.socket().toString()
                    : address.host() + ":" + address.port();
            NbdChannel nc = new NbdChannel(ch, sel, key, clock, peer);
            SocketAddress target = address.socketAddress();
            if (target instanceof InetSocketAddress inet && inet.isUnresolved()) {
                throw new UnknownHostException("unknown host " + address.host());
            }
            if (!ch.connect(target)) {
                nc.await(SelectionKey.OP_CONNECT, deadline, "connecting");
                while (!ch.finishConnect()) {
                    nc.await(SelectionKey.OP_CONNECT, deadline, "connecting");
                }
            }
            return nc;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch, e);
            if (sel != null) {
                closeQuietly(sel, e);
            }
            throw e;
        }
    }

    /** Fills {@code dst} completely by {@code deadline}; EOF before that is an {@link EOFException}. */
    void readFully(ByteBuffer dst, long deadline, String what) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst);
            if (n < 0) {
                throw new EOFException("the NBD server " + peer + " closed the connection while Ferry was "
                        + what);
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline, what);
            }
        }
    }

    /** Sends all of {@code src} by {@code deadline}. */
    void writeFully(ByteBuffer src, long deadline, String what) throws IOException {
        while (src.hasRemaining()) {
            if (channel.write(src) == 0) {
                await(SelectionKey.OP_WRITE, deadline, what);
            }
        }
    }

    /** Sends what fits without waiting (best effort, for a parting message). */
    void writeNow(ByteBuffer src) throws IOException {
        channel.write(src);
    }

    private void await(int op, long deadline, String what) throws IOException {
        long left = deadline - clock.getAsLong();
        if (left <= 0) {
            throw new SocketTimeoutException("the NBD server " + peer + " did not respond in time while Ferry was "
                    + what);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted while " + what + " with the NBD server " + peer);
        }
        key.interestOps(op);
        selector.select(Math.max(1, (left + 999_999) / 1_000_000));
        selector.selectedKeys().clear();
        key.interestOps(0);
    }

    /** host:port or the socket path, for messages. */
    String peer() {
        return peer;
    }

    @Override
    public void close() {
        closeQuietly(selector, null);
        closeQuietly(channel, null);
    }

    private static void closeQuietly(AutoCloseable c, Exception into) {
        try {
            c.close();
        } catch (Exception e) {
            if (into != null) {
                into.addSuppressed(e);
            }
        }
    }
}
