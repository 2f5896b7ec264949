package dev.ferry.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between source and target for failure tests: it can cut every connection, and it can flip one
 * byte of the source-to-target traffic (counted over all connections).
 */
final class Proxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile long corruptAt = -1;
    private volatile boolean closed;

    Proxy(InetSocketAddress target) throws IOException {
        this.target = target;
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
                int n;
                while ((n = in.read(buf)) > 0) {
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

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cutAll();
    }
}
