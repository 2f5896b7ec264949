package dev.ferry.migration;

import dev.ferry.migration.target.IncomingMigration;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The migration endpoint of a target host: accepts authenticated connections from source hosts, builds the
 * incoming VM, and hands it to the host once it runs here. One thread accepts; every connection gets its own
 * thread (a control connection drives its migration, a page stream applies pages).
 */
public final class MigrationReceiver implements AutoCloseable {

    private final ServerSocketChannel server;
    private final byte[] secret;
    private final IncomingVmHandler handler;
    private final int maxVersion;
    private final Map<String, IncomingMigration> migrations = new ConcurrentHashMap<>();
    private final AtomicLong wireBytes = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile EncryptionPolicy encryption = EncryptionPolicy.DEFAULT;

    /**
     * Starts listening.
     *
     * @param listen  address to bind (port 0 = any free port)
     * @param secret  the shared secret both hosts authenticate with
     * @param handler the host's side of taking in a VM
     */
    public MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler) throws IOException {
        this(listen, secret, handler, Handshake.VERSION);
    }

    /** A receiver that speaks at most protocol {@code maxVersion}, as an older build would (for tests). */
    MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler, int maxVersion)
            throws IOException {
        if (maxVersion < Handshake.MIN_VERSION || maxVersion > Handshake.VERSION) {
            throw new IllegalArgumentException("this build speaks protocol versions " + Handshake.MIN_VERSION
                    + " to " + Handshake.VERSION + ", not " + maxVersion);
        }
        this.maxVersion = maxVersion;
        Objects.requireNonNull(secret, "secret");
        if (secret.length == 0) {
            throw new IllegalArgumentException("the shared secret must not be empty");
        }
        this.secret = secret.clone();
        this.handler = Objects.requireNonNull(handler, "handler");
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(listen);
        this.acceptor = new Thread(this::acceptLoop, "ferry-rx-accept-" + endpoint().getPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Whether connections accepted from now on are encrypted: by default ({@link EncryptionPolicy#DEFAULT}) when
     * the source is not loopback or asks for it; a source that cannot agree is refused in the handshake.
     */
    public MigrationReceiver encryption(EncryptionPolicy policy) {
        encryption = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The bound address sources connect to. */
    public InetSocketAddress endpoint() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the migration endpoint is closed", e);
        }
    }

    /** Ids of the migrations in progress here. */
    public Set<String> activeMigrations() {
        return Set.copyOf(migrations.keySet());
    }

    /** Figures of the migrations into this host since the receiver started. */
    public Totals totals() {
        return new Totals(migrations.size(), completed.get(), abandoned.get(), refused.get(), wireBytes.get());
    }

    /**
     * Figures of the migrations into a host.
     *
     * @param inProgress migrations under way (post-copy ones until the last page arrived)
     * @param completed  migrations whose VM runs here with all its memory
     * @param abandoned  migrations given up after BEGIN (the partial VM was discarded)
     * @param refused    BEGIN refused (name in use, bad machine, duplicate id)
     * @param wireBytes  bytes on the wire of all connections of this receiver, both directions (nearly all of
     *                   them received: pages)
     */
    public record Totals(long inProgress, long completed, long abandoned, long refused, long wireBytes) { }

    /** A migration ended: forget it and count how. */
    private void ended(IncomingMigration m) {
        if (migrations.remove(m.id(), m)) {
            (m.state() == IncomingMigration.State.DONE ? completed : abandoned).incrementAndGet();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            Thread t = new Thread(() -> serve(s), "ferry-rx-" + s.socket().getRemoteSocketAddress());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel s) {
        FrameConnection c;
        try {
            c = new FrameConnection(s, wireBytes);
        } catch (IOException e) {
            closeQuietly(s);
            return;
        }
        try {
            Handshake.Accepted accepted = Handshake.asTarget(c, secret, maxVersion, encryption);
            Handshake.Hello hello = accepted.hello();
            String id = hello.migrationId();
            switch (hello.purpose()) {
                case CONTROL -> {
                    Frame begin = c.expect(FrameType.BEGIN, FrameConnection.REPLY_MILLIS);
                    if (closed) {
                        c.sendErrorQuietly("target receiver is shutting down");
                        c.close();
                        return;
                    }
                    if (migrations.containsKey(id)) {
                        refuse(c, "migration " + id + " is already in progress on the target");
                        return;
                    }
                    IncomingMigration m;
                    try {
                        m = IncomingMigration.begin(id, begin, accepted.version(), handler, this::ended, c);
                    } catch (IOException e) {
                        refused.incrementAndGet();
                        throw e;
                    }
                    if (migrations.putIfAbsent(id, m) != null) {
                        refuse(c, "migration " + id + " is already in progress on the target");
                        return;
                    }
                    try {
                        m.accept();
                    } catch (IOException e) {
                        m.shutdown();
                        throw e;
                    }
                    m.runControl(c);
                }
                case PAGES -> {
                    IncomingMigration m = migrations.get(id);
                    if (m == null) {
                        c.sendErrorQuietly("no migration " + id + " in progress on the target");
                        c.close();
                        return;
                    }
                    m.runStream(c, hello.stream());
                }
                case RECOVER -> {
                    IncomingMigration m = migrations.get(id);
                    if (m == null) {
                        c.sendErrorQuietly("no migration " + id + " to recover on the target");
                        c.close();
                        return;
                    }
                    m.recover(c);
                }
                default -> c.close();
            }
        } catch (IOException | RuntimeException e) {
            c.close();
        }
    }

    private void refuse(FrameConnection c, String why) {
        refused.incrementAndGet();
        c.sendErrorQuietly(why);
        c.close();
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Stops accepting; migrations in flight fail (pre-copy VMs stay on their sources). */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (IncomingMigration m : migrations.values()) {
            m.shutdown();
        }
    }
}
