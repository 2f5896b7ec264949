package dev.ferry.migration;

import dev.ferry.migration.admission.AdmissionQueue;
import dev.ferry.migration.endpoint.ConnectionGate;
import dev.ferry.migration.endpoint.Rejection;
import dev.ferry.migration.endpoint.RejectionLog;
import dev.ferry.migration.target.IncomingMigration;
import dev.ferry.migration.wire.BusyReply;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameCodec;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import dev.ferry.migration.wire.Messages;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The migration endpoint of a target host: accepts authenticated connections from source hosts, builds the
 * incoming VM, and hands it to the host once it runs here.
 *
 * <p>Until a peer has proven the shared secret it gets little: frames of at most 1 KiB, a handshake slot (at most
 * {@link ReceiverLimits#maxHandshakes} in all, {@link ReceiverLimits#maxHandshakesPerAddress} per IP address) and
 * {@link ReceiverLimits#handshakeTimeoutMillis} to complete the handshake. Every connection dropped before it
 * authenticated is counted by {@link Rejection reason} and logged with its peer, at most
 * {@value #REJECTION_LINES_PER_SECOND} lines a second plus a summary of the rest.
 *
 * <p>Threads: one platform thread accepts. Each handshake runs on a <em>virtual</em> thread: an idle or stalling
 * peer then costs a parked virtual thread and its connection, not a platform thread. The handshake waits in
 * {@link FrameConnection}'s selectors, and since JDK 24 (JEP 491 and the virtual-thread-aware epoll selector) a
 * virtual thread waiting in {@code Selector.select} unmounts from its carrier, so a thousand idle handshakes need
 * no more carrier threads than one. On JDK 22 and 23 such a wait still occupies a carrier (the scheduler adds
 * carriers up to 256), so there the handshake cap bounds the cost. A single selector loop for the handshake phase
 * would need the handshake rewritten as a state machine; virtual threads keep {@link Handshake} as it is. Once
 * authenticated, every connection gets a platform thread of its own (a control connection drives its migration, a
 * page stream applies pages), as the work there is long, CPU-bound and waits on monitors.
 *
 * <p>At most {@link ReceiverLimits#maxIncoming} migrations are taken in at once (until their switchover); a source
 * whose BEGIN finds them all taken is answered with a {@link BusyReply} and asks again, in the order it first
 * asked, so nothing is built here and its VM runs on meanwhile.
 */
public final class MigrationReceiver implements AutoCloseable {

    /** Log lines about rejected connections per second, at most; the rest are summed up once a second. */
    public static final int REJECTION_LINES_PER_SECOND = 10;
    /** A source told to wait that has not asked again for this long loses its place in the queue. */
    private static final long QUEUE_STALE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The retry interval named to a queued source, per place ahead of it. */
    private static final long RETRY_MILLIS_PER_PLACE = 250;
    private static final long ACCEPT_BACKOFF_MILLIS = 50;
    private static final int MAX_DETAIL = 200;

    private final ServerSocketChannel server;
    private final byte[] secret;
    private final IncomingVmHandler handler;
    private final int maxVersion;
    private final ReceiverLimits limits;
    private final Consumer<String> log;
    private final ConnectionGate gate;
    private final RejectionLog rejections = new RejectionLog(REJECTION_LINES_PER_SECOND, System::nanoTime);
    /** Incoming migrations under way before their switchover, and those waiting (guarded by itself). */
    private final AdmissionQueue admission;
    private final Set<FrameConnection> handshaking = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadFactory handshakeThreads = Thread.ofVirtual().name("ferry-rx-handshake-", 0).factory();
    private final Map<String, IncomingMigration> migrations = new ConcurrentHashMap<>();
    private final AtomicLong wireBytes = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile EncryptionPolicy encryption = EncryptionPolicy.DEFAULT;

    /**
     * Starts listening with the default limits and no log.
     *
     * @param listen  address to bind (port 0 = any free port)
     * @param secret  the shared secret both hosts authenticate with
     * @param handler the host's side of taking in a VM
     */
    public MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler) throws IOException {
        this(listen, secret, handler, ReceiverLimits.defaults(), line -> { });
    }

    /**
     * Starts listening.
     *
     * @param listen  address to bind (port 0 = any free port)
     * @param secret  the shared secret both hosts authenticate with
     * @param handler the host's side of taking in a VM
     * @param limits  what peers may cost this host
     * @param log     receives one line per rejected connection (rate-limited) and per queued migration
     */
    public MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler, ReceiverLimits limits,
            Consumer<String> log) throws IOException {
        this(listen, secret, handler, limits, log, Handshake.VERSION);
    }

    /** A receiver that speaks at most protocol {@code maxVersion}, as an older build would (for tests). */
    MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler, int maxVersion)
            throws IOException {
        this(listen, secret, handler, ReceiverLimits.defaults(), line -> { }, maxVersion);
    }

    private MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler,
            ReceiverLimits limits, Consumer<String> log, int maxVersion) throws IOException {
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
        this.limits = Objects.requireNonNull(limits, "limits");
        this.log = Objects.requireNonNull(log, "log");
        this.gate = new ConnectionGate(limits.maxHandshakes(), limits.maxHandshakesPerAddress());
        this.admission = new AdmissionQueue(limits.maxIncoming(), QUEUE_STALE_NANOS, System::nanoTime);
        this.server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(listen, limits.maxHandshakes());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-rx-timer-" + endpoint().getPort());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.scheduleWithFixedDelay(() -> rejections.flush().forEach(this::logQuietly), 1, 1, TimeUnit.SECONDS);
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

    /** What the endpoint holds off right now and what it turned away since it started. */
    public Guard guard() {
        int queued;
        synchronized (admission) {
            queued = admission.waiting();
        }
        return new Guard(gate.open(), queued, rejections.totals());
    }

    /**
     * The endpoint's defences at one moment.
     *
     * @param handshakes connections that have not authenticated yet
     * @param queued     migrations told to wait for a free slot (their sources ask again)
     * @param rejections connections dropped before they authenticated, by reason (every reason present)
     */
    public record Guard(int handshakes, int queued, Map<Rejection, Long> rejections) {
        /** Copies the map. */
        public Guard {
            rejections = Map.copyOf(rejections);
        }
    }

    /** A migration ended: forget it, count how, and free its slot. */
    private void ended(IncomingMigration m) {
        if (migrations.remove(m.id(), m)) {
            (m.state() == IncomingMigration.State.DONE ? completed : abandoned).incrementAndGet();
            synchronized (admission) {
                admission.release(m.id());
            }
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
                pause(ACCEPT_BACKOFF_MILLIS);
                continue;
            }
            startHandshake(s);
        }
    }

    /** Gives a new connection a handshake slot and a virtual thread, or refuses it at once. */
    private void startHandshake(SocketChannel s) {
        InetSocketAddress peer;
        try {
            peer = (InetSocketAddress) s.getRemoteAddress();
        } catch (IOException e) {
            closeQuietly(s);
            return;
        }
        if (peer == null) {
            closeQuietly(s);
            return;
        }
        Rejection over = gate.enter(peer.getAddress());
        if (over != null) {
            rejected(over, peer, null);
            refuseAtOnce(s, over);
            return;
        }
        try {
            handshakeThreads.newThread(() -> handshake(s, peer)).start();
        } catch (RuntimeException | OutOfMemoryError e) {
            gate.leave(peer.getAddress());
            closeQuietly(s);
        }
    }

    /**
     * Runs the target side of the handshake within the deadline (on a virtual thread), then hands the authenticated
     * connection to a platform thread.
     */
    private void handshake(SocketChannel s, InetSocketAddress peer) {
        FrameConnection c;
        try {
            c = new FrameConnection(s, wireBytes);
        } catch (IOException e) {
            gate.leave(peer.getAddress());
            closeQuietly(s);
            return;
        }
        handshaking.add(c);
        AtomicBoolean timedOut = new AtomicBoolean();
        try {
            Handshake.Accepted accepted = null;
            Exception failure = null;
            try {
                ScheduledFuture<?> deadline = timer.schedule(() -> {
                    timedOut.set(true);
                    c.close();
                }, limits.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
                try {
                    accepted = Handshake.asTarget(c, secret, maxVersion, encryption);
                } finally {
                    deadline.cancel(false);
                }
                if (timedOut.get()) {
                    throw new IOException("handshake deadline passed as it completed");
                }
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            handshaking.remove(c);
            if (failure != null || closed) {
                if (failure != null && !closed && !(failure instanceof RejectedExecutionException)) {
                    rejected(Rejection.of(failure, timedOut.get()), peer, timedOut.get()
                            ? "no AUTH within " + limits.handshakeTimeoutMillis() + " ms" : failure.getMessage());
                }
                c.close();
                return;
            }
            Handshake.Accepted hello = accepted;
            Thread t = new Thread(() -> serve(c, hello), "ferry-rx-" + peer);
            t.setDaemon(true);
            t.start();
        } finally {
            handshaking.remove(c);
            gate.leave(peer.getAddress());
        }
    }

    /** Serves an authenticated connection: a new migration, a page stream, or a post-copy recovery. */
    private void serve(FrameConnection c, Handshake.Accepted accepted) {
        try {
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
                    if (!admit(c, id)) {
                        return;
                    }
                    IncomingMigration m;
                    try {
                        m = IncomingMigration.begin(id, begin, accepted.version(), handler, this::ended, c);
                    } catch (IOException e) {
                        release(id);
                        refused.incrementAndGet();
                        throw e;
                    } catch (RuntimeException e) {
                        release(id);
                        throw e;
                    }
                    if (migrations.putIfAbsent(id, m) != null) {
                        m.shutdown();
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

    /**
     * Takes migration {@code id} in if a slot is free and it is next in line; otherwise tells the source to ask
     * again ({@link BusyReply}) or refuses a duplicate id, closes the connection and returns false.
     */
    private boolean admit(FrameConnection c, String id) {
        int position;
        boolean first;
        int underWay;
        synchronized (admission) {
            if (migrations.containsKey(id) || admission.holds(id)) {
                position = -1;
                first = false;
                underWay = 0;
            } else {
                for (String a : admission.admitted()) {
                    IncomingMigration m = migrations.get(a);
                    if (m != null && m.state() != IncomingMigration.State.RECEIVING
                            && m.state() != IncomingMigration.State.READY) {
                        admission.release(a);
                    }
                }
                first = admission.position(id) == 0;
                position = admission.offer(id);
                underWay = admission.admitted().size();
            }
        }
        if (position < 0) {
            refuse(c, "migration " + id + " is already in progress on the target");
            return false;
        }
        if (position == 0) {
            return true;
        }
        if (first) {
            logQuietly("incoming migration " + id + " from " + c.peer() + " waits: number " + position
                    + " in the queue (" + underWay + " under way, limit " + admission.limit() + ")");
        }
        c.sendErrorQuietly(BusyReply.reason(underWay, admission.limit(), position,
                RETRY_MILLIS_PER_PLACE * position));
        c.close();
        return false;
    }

    private void release(String id) {
        synchronized (admission) {
            admission.release(id);
        }
    }

    /** Counts a rejected connection and logs it (rate-limited). */
    private void rejected(Rejection why, InetSocketAddress peer, String detail) {
        String d = detail == null ? null : detail.replaceAll("\\p{Cntrl}", "?");
        if (d != null && d.length() > MAX_DETAIL) {
            d = d.substring(0, MAX_DETAIL) + "...";
        }
        rejections.rejected(why, format(peer), d).forEach(this::logQuietly);
    }

    private void logQuietly(String line) {
        try {
            log.accept(line);
        } catch (RuntimeException ignored) {
            // a failing log must not take the endpoint down
        }
    }

    /** Tells an over-cap peer why in one ERROR frame, if its socket takes it at once, and closes. */
    private void refuseAtOnce(SocketChannel s, Rejection why) {
        try {
            s.configureBlocking(false);
            String limit = why == Rejection.OVER_CAP ? " (limit " + limits.maxHandshakes() + ")"
                    : " (limit " + limits.maxHandshakesPerAddress() + ")";
            s.write(ByteBuffer.wrap(FrameCodec.encode(Messages.error(why.description() + limit))));
            s.shutdownOutput();
        } catch (IOException | RuntimeException ignored) {
            // best effort: the peer learns it from the closed connection
        }
        closeQuietly(s);
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        timer.shutdownNow();
        for (FrameConnection c : handshaking) {
            c.close();
        }
        for (IncomingMigration m : migrations.values()) {
            m.shutdown();
        }
    }
}
