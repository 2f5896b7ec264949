package dev.ferry.migration.source;

import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The source's connections to one target: the control connection, read by its own thread, and the page
 * streams. Replies from the target queue up for the driver; post-copy page requests go to a consumer. The first
 * failure of any connection closes the whole link and is delivered to the driver as an {@link IOException}.
 */
final class SourceLink implements AutoCloseable {

    private final FrameConnection control;
    private final FrameConnection[] streams;
    private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile String peerError;
    private final BlockingQueue<Integer> pageRequests = new LinkedBlockingQueue<>();
    private final int pageCount;
    private final int version;
    private final Object applied = new Object();
    private volatile IOException failure;
    private int appliedRound;

    private SourceLink(FrameConnection control, FrameConnection[] streams, int pageCount, int version) {
        this.pageCount = pageCount;
        this.version = version;
        this.control = control;
        this.streams = streams;
        this.reader = new Thread(this::readLoop, "migrate-rx-" + control.peer());
        reader.setDaemon(true);
    }

    /**
     * Opens and authenticates the control connection (negotiating the protocol version, at most {@code version}),
     * sends {@code first} in that version's layout and expects {@code reply}, then opens the page streams.
     */
    static SourceLink open(InetSocketAddress target, byte[] secret, EncryptionPolicy encryption, int version,
            String id, Handshake.Purpose purpose, IntFunction<Frame> first, FrameType reply, int streamCount,
            int pageCount, AtomicLong wireBytes, Frame[] replyOut) throws IOException {
        Handshake.Opened opened = Handshake.connectAsSource(target, wireBytes, secret, version,
                new Handshake.Hello(purpose, id, 0), encryption);
        FrameConnection control = opened.connection();
        FrameConnection[] streams = new FrameConnection[streamCount];
        try {
            if (first != null) {
                control.send(first.apply(opened.version()));
            }
            replyOut[0] = control.expect(reply, FrameConnection.REPLY_MILLIS);
            for (int i = 0; i < streamCount; i++) {
                streams[i] = FrameConnection.connect(target, wireBytes);
                Handshake.asSource(streams[i], secret, opened.version(),
                        new Handshake.Hello(Handshake.Purpose.PAGES, id, i), encryption);
            }
        } catch (IOException | RuntimeException e) {
            control.close();
            for (FrameConnection s : streams) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
        SourceLink link = new SourceLink(control, streams, pageCount, opened.version());
        link.reader.start();
        return link;
    }

    /** BEGIN frame for a new migration, per protocol version. */
    static IntFunction<Frame> begin(VmDescriptor vm, Strategy strategy, int streams, List<Messages.DiskCopy> copied) {
        return new Messages.Begin(vm, strategy, streams, copied)::frame;
    }

    /** True when every connection to the target is encrypted. */
    boolean encrypted() {
        if (!control.encrypted()) {
            return false;
        }
        for (FrameConnection s : streams) {
            if (!s.encrypted()) {
                return false;
            }
        }
        return true;
    }

    /** The protocol version spoken with the target. */
    int version() {
        return version;
    }

    /**
     * Waits until the target reports round {@code round} applied (protocol 3 on; older targets do not say, and
     * this returns at once).
     *
     * @throws IOException when the link fails or nothing comes within {@code timeoutMillis}
     */
    void awaitApplied(int round, long timeoutMillis, BooleanSupplier cancelled) throws IOException {
        if (version < Messages.ROUND_APPLIED_VERSION) {
            return;
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (applied) {
            while (appliedRound < round) {
                IOException e = failure;
                if (e != null) {
                    throw new IOException(e.getMessage(), e);
                }
                if (cancelled.getAsBoolean()) {
                    throw new CancelledException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ProtocolException("the target did not apply round " + round + " within "
                            + timeoutMillis + " ms");
                }
                try {
                    applied.wait(Math.min(50, Math.max(1, left / 1_000_000)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the target");
                }
            }
        }
    }

    /** Post-copy page requests of the target, in arrival order (checked against RAM). */
    BlockingQueue<Integer> pageRequests() {
        return pageRequests;
    }

    FrameConnection control() {
        return control;
    }

    FrameConnection stream(int i) {
        return streams[i];
    }

    int streamCount() {
        return streams.length;
    }

    /** Queues a frame as if the target had sent it (a local request to push the rest). */
    void inject(Frame f) {
        replies.add(f);
    }

    /**
     * Waits for the next reply of the target.
     *
     * @param cancelled polled while waiting; when true, waiting ends with {@link CancelledException}
     * @throws IOException when the link failed, the target reported an error, or no reply came in time
     */
    Frame await(long timeoutMillis, BooleanSupplier cancelled) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            Frame f = poll(100);
            if (f != null) {
                return f;
            }
            if (cancelled.getAsBoolean()) {
                throw new CancelledException();
            }
            if (timeoutMillis > 0 && System.nanoTime() - deadline > 0) {
                throw new ProtocolException("target did not answer within " + timeoutMillis + " ms");
            }
        }
    }

    /**
     * The next reply of the target, or {@code null} when none came within {@code millis}.
     *
     * @throws IOException when the link failed or the target reported an error
     */
    Frame poll(long millis) throws IOException {
        Object o;
        try {
            o = replies.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the target");
        }
        if (o instanceof Frame f) {
            if (f.type() == FrameType.ERROR) {
                throw new ProtocolException("target reported: " + Messages.error(f));
            }
            return f;
        }
        if (o instanceof IOException e) {
            replies.add(e);
            throw new IOException(e.getMessage(), e);
        }
        return null;
    }

    /** Waits for a reply of {@code type}. */
    Frame await(FrameType type, long timeoutMillis, BooleanSupplier cancelled) throws IOException {
        Frame f = await(timeoutMillis, cancelled);
        if (f.type() != type) {
            throw new ProtocolException("expected " + type + " from the target, got " + f.type());
        }
        return f;
    }

    private void readLoop() {
        try {
            while (true) {
                Frame f = control.receive(0);
                if (f.type() == FrameType.ERROR) {
                    peerError = Messages.error(f);
                }
                if (f.type() == FrameType.PAGE_REQUEST) {
                    pageRequests.add(Messages.pageRequest(f, pageCount));
                } else if (f.type() == FrameType.ROUND_APPLIED) {
                    int round = Messages.roundApplied(f);
                    synchronized (applied) {
                        appliedRound = Math.max(appliedRound, round);
                        applied.notifyAll();
                    }
                } else {
                    replies.add(f);
                }
            }
        } catch (EOFException e) {
            fail(new IOException("target closed the connection"));
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new IOException("control connection failed: " + e, e));
        }
    }

    /**
     * A message for a failure of this link: the target's own reason when it sent one (waiting briefly for it,
     * since a target that gives up closes its page streams while its ERROR frame is still on the way), else what
     * the connection reported.
     */
    String explain(Exception e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.startsWith("target reported") || !(e instanceof IOException)) {
            return msg;
        }
        long deadline = System.nanoTime() + 500_000_000L;
        while (peerError == null && reader.isAlive() && System.nanoTime() < deadline) {
            try {
                reader.join(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (peerError != null) {
            return "target reported: " + peerError;
        }
        return e instanceof ProtocolException ? msg : "connection to the target lost: " + msg;
    }

    /** Marks the link failed (first failure wins) and closes it. */
    void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        replies.add(e);
        synchronized (applied) {
            applied.notifyAll();
        }
        close();
    }

    /** Closes every connection. Idempotent. */
    @Override
    public void close() {
        control.close();
        for (FrameConnection s : streams) {
            s.close();
        }
    }

    /** Thrown by {@link #await} when the user cancelled. */
    static final class CancelledException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CancelledException() {
            super("cancelled by the user", null, false, false);
        }
    }
}
