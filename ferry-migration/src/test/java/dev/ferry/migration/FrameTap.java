package dev.ferry.migration;

import dev.ferry.migration.wire.FrameCodec;
import dev.ferry.migration.wire.FrameType;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A TCP proxy between source and target that splits the source's traffic into frames without opening them (an
 * encrypted frame is its header, payload length plus 16 tag bytes), counts plain and encrypted ones after each
 * connection's handshake, and can hand every frame of a connection to a rewriter that changes, repeats, holds or
 * drops it: an attacker on the path. The target's traffic passes unchanged.
 */
final class FrameTap implements AutoCloseable {

    /** Changes the frames of one connection; a new one per connection. */
    interface Rewriter {
        /**
         * The frames to forward in place of {@code frame} (complete wire bytes; byte 2 is the type, byte 3 the
         * flags).
         *
         * @param purpose the connection's purpose code from its HELLO (0 control, 1 pages, 2 recover)
         */
        List<byte[]> forward(int purpose, byte[] frame);
    }

    private static final int ENCRYPTED_TAG = 16;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Supplier<Rewriter> rewriters;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong plainAfterHandshake = new AtomicLong();
    private final AtomicLong encrypted = new AtomicLong();
    private volatile boolean closed;

    FrameTap(InetSocketAddress target, Supplier<Rewriter> rewriters) throws IOException {
        this.target = target;
        this.rewriters = rewriters;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "test-tap");
        t.setDaemon(true);
        t.start();
    }

    /** Passes every frame unchanged. */
    static Supplier<Rewriter> passThrough() {
        return () -> (purpose, frame) -> List.of(frame);
    }

    InetSocketAddress endpoint() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    /** Source frames after the handshake (HELLO and AUTH) that were not encrypted. */
    long plainAfterHandshake() {
        return plainAfterHandshake.get();
    }

    /** Encrypted source frames. */
    long encrypted() {
        return encrypted.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket in = server.accept();
                Socket out = new Socket(target.getAddress(), target.getPort());
                sockets.add(in);
                sockets.add(out);
                start(() -> frames(in, out));
                start(() -> bytes(out, in));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "test-tap-pump");
        t.setDaemon(true);
        t.start();
    }

    private void frames(Socket from, Socket to) {
        Rewriter rewriter = rewriters.get();
        try (DataInputStream in = new DataInputStream(from.getInputStream()); OutputStream out = to.getOutputStream()) {
            int purpose = -1;
            for (int n = 0; ; n++) {
                byte[] header = new byte[FrameCodec.HEADER];
                try {
                    in.readFully(header);
                } catch (EOFException e) {
                    return;
                }
                int length = ByteBuffer.wrap(header).getInt(4);
                boolean sealed = header[3] == 1;
                if (length < 0 || length > FrameCodec.MAX_PAYLOAD) {
                    return;
                }
                byte[] frame = Arrays.copyOf(header, FrameCodec.HEADER + length + (sealed ? ENCRYPTED_TAG : 0));
                in.readFully(frame, FrameCodec.HEADER, frame.length - FrameCodec.HEADER);
                if (n == 0 && header[2] == FrameType.HELLO.code()) {
                    purpose = frame[FrameCodec.HEADER + 10];
                }
                if (sealed) {
                    encrypted.incrementAndGet();
                } else if (n >= 2) {
                    plainAfterHandshake.incrementAndGet();
                }
                for (byte[] f : rewriter.forward(purpose, frame)) {
                    out.write(f);
                }
                out.flush();
            }
        } catch (IOException ignored) {
            // connection cut
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void bytes(Socket from, Socket to) {
        byte[] buf = new byte[65536];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // connection cut
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
