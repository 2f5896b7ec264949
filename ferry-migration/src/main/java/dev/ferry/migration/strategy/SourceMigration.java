package dev.ferry.migration.strategy;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.memory.DirtyBitmap;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.RecordCodec;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationPhase;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationStatus;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.RoundReport;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.migration.ordering.RoundHistory;
import dev.ferry.migration.ordering.RoundPlan;
import dev.ferry.migration.transfer.Encoding;
import dev.ferry.migration.transfer.PageBatchWriter;
import dev.ferry.migration.transfer.PageEncoder;
import dev.ferry.migration.transfer.TokenBucket;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.ProtocolException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * The source side of one migration: one driver thread runs the chosen strategy (pre-copy rounds, stop-and-copy,
 * post-copy push), a reader thread per link takes the target's replies, and in post-copy a server thread answers
 * the target's page faults on the control connection while the driver pushes the rest on the page streams.
 *
 * <p>Pages of pre-copy rounds and the stop-and-copy travel on the page streams; a page always uses stream
 * {@code (page / 64) % streams}, so its successive versions arrive in order. Each round ends with a ROUND_END on
 * every stream; SWITCHOVER names the last round, and the target waits for it on every stream before it takes
 * over.
 */
public final class SourceMigration {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final long SMALL_REMAINDER = 256 * 1024;
    private static final long DYNAMIC_INCREMENT = 50_000_000L;
    private static final int STALL_ROUNDS = 3;
    private static final int PEEK_PAGES = 1024;
    private static final long PEEK_NANOS = 5_000_000L;
    private static final int XBZRLE_CACHE_PAGES = 16384;
    private static final double MAX_THROTTLE = 0.9;
    private static final int CHUNK = 64;

    private final String id;
    private final VmRunner runner;
    private final VmDescriptor vm;
    private final InetSocketAddress target;
    private final byte[] secret;
    private final MigrationOptions options;
    private final int protocolVersion;
    private final GuestMemory memory;
    private final int pageCount;

    private final CompletableFuture<MigrationReport> result = new CompletableFuture<>();
    private final AtomicLong wireBytes = new AtomicLong();
    private final List<RoundReport> rounds = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLongArray encodingCounts = new AtomicLongArray(Encoding.values().length);
    private final AtomicLong skippedFree = new AtomicLong();
    private final TokenBucket limiter = new TokenBucket(0);
    private final BlockingQueue<InetSocketAddress> recoveries = new LinkedBlockingQueue<>();
    private final Object sentLock = new Object();

    private volatile MigrationPhase phase = MigrationPhase.SETUP;
    private volatile int round;
    private volatile long remaining;
    private volatile double dirtyRate;
    private volatile boolean cancelled;
    private volatile boolean committed;
    private volatile boolean pushRequested;
    private volatile String error;
    private volatile SourceLink link;
    private volatile int prepageCursor = -1;
    private volatile long startNanos;
    private long pausedNanos;
    private boolean pausedByUs;
    private double downtimeMs;
    private Messages.FaultStats faults = new Messages.FaultStats(0, 0, 0);
    private volatile Supplier<ConsoleHistory> consoleHistory = () -> ConsoleHistory.NONE;
    private Thread driver;
    /** The driver's page batches. Driver thread only. */
    private final StreamBatches batches;
    /** Pre-copy and stop-and-copy encoder with the XBZRLE cache. Driver thread only. */
    private final PageEncoder encoder;

    /** Post-copy: pages the target misses, and those sent since switchover or recovery. Guarded by sentLock. */
    private BitSet stale;
    private BitSet sent;

    /** Prepares a migration of the VM {@code runner} runs; see {@code MigrationSource}. */
    public SourceMigration(String id, VmRunner runner, VmDescriptor vm, InetSocketAddress target, byte[] secret,
            MigrationOptions options, int protocolVersion) {
        this.id = id;
        this.runner = runner;
        this.vm = vm;
        this.target = target;
        this.secret = secret.clone();
        this.options = options;
        this.protocolVersion = protocolVersion;
        this.memory = runner.machine().memory();
        this.pageCount = memory.pageCount();
        this.batches = new StreamBatches();
        this.encoder = new PageEncoder(options.zeroPages(), options.xbzrle(), options.lz4(), XBZRLE_CACHE_PAGES);
    }

    /** Starts the driver thread. */
    public synchronized CompletableFuture<MigrationReport> start() {
        if (driver != null) {
            throw new IllegalStateException("migration " + id + " already started");
        }
        startNanos = System.nanoTime();
        driver = new Thread(this::run, "migrate-" + id);
        driver.setDaemon(true);
        driver.start();
        return result;
    }

    /** A live snapshot. */
    public MigrationStatus status() {
        long elapsed = startNanos == 0 ? 0 : (System.nanoTime() - startNanos) / 1_000_000;
        return new MigrationStatus(id, vm.name(), options.strategy(), phase, round, remaining, dirtyRate,
                limiter.rate(), runner.throttle(), wireBytes.get(), elapsed, error);
    }

    /** Where the VM's recent console output comes from (sent right before SWITCHOVER, protocol 3 on). */
    public void consoleHistory(Supplier<ConsoleHistory> history) {
        consoleHistory = history;
    }

    /** Cancels before switchover; refused after. */
    public void cancel() {
        if (committed) {
            throw new IllegalStateException("migration " + id + " is past switchover: the VM runs on the target and "
                    + "cannot be cancelled");
        }
        cancelled = true;
    }

    /** Post-copy: reconnects to {@code newTarget} and resumes sending what the target misses. */
    public void recover(InetSocketAddress newTarget) {
        if (!committed || result.isDone()) {
            throw new IllegalStateException("migration " + id + " is not in post-copy; nothing to recover");
        }
        recoveries.add(newTarget);
    }

    /** Demand migration: pushes every page the target has not pulled yet, then completes. */
    public void pushRemaining() {
        pushRequested = true;
        SourceLink l = link;
        if (l != null && committed) {
            l.inject(Frame.empty(FrameType.PUSH_REST));
        }
    }

    // ---------------------------------------------------------------- driver

    private void run() {
        try {
            VmRunner.RunState st = runner.state();
            if (st == VmRunner.RunState.POWERED_OFF || st == VmRunner.RunState.CLOSED
                    || st == VmRunner.RunState.CREATED) {
                throw new Abort("the VM is not running (" + st + ")");
            }
            SourceLink l = connect(target, Handshake.Purpose.CONTROL);
            link = l;
            batches.attach(l);
            switch (options.strategy()) {
                case STOPCOPY -> stopAndCopy(null, 1, "stop-and-copy");
                case PRECOPY -> precopy();
                case HYBRID -> postcopy(precopyRounds(options.precopyRounds(), true));
                case POSTCOPY, DEMAND -> postcopy(null);
                default -> throw new IllegalStateException();
            }
            finish(true, null);
        } catch (SourceLink.CancelledException e) {
            failBeforeCommit("cancelled by the user", true);
        } catch (Exception e) {
            SourceLink l = link;
            String why = l != null ? l.explain(e) : e.getMessage() == null ? e.toString() : e.getMessage();
            if (committed) {
                finish(false, why);
            } else {
                failBeforeCommit(why, false);
            }
        } catch (Error e) {
            if (committed) {
                finish(false, "internal error: " + e);
            } else {
                failBeforeCommit("internal error: " + e, false);
            }
            throw e;
        }
    }

    private SourceLink connect(InetSocketAddress address, Handshake.Purpose purpose) throws IOException {
        Frame[] reply = new Frame[1];
        if (purpose == Handshake.Purpose.CONTROL) {
            return SourceLink.open(address, secret, protocolVersion, id, purpose,
                    SourceLink.begin(vm, options.strategy(), options.streams()), FrameType.BEGIN_OK, options.streams(),
                    pageCount, wireBytes, reply);
        }
        SourceLink l = SourceLink.open(address, secret, protocolVersion, id, purpose, null, FrameType.RECOVER_STATE,
                options.streams(), pageCount, wireBytes, reply);
        long[] absent = Messages.bitmap(reply[0].reader(), pageCount);
        synchronized (sentLock) {
            stale = BitSet.valueOf(absent);
            sent = new BitSet(pageCount);
        }
        return l;
    }

    private boolean isCancelled() {
        return cancelled;
    }

    private void checkCancelled() {
        if (cancelled && !committed) {
            throw new SourceLink.CancelledException();
        }
    }

    // ---------------------------------------------------------------- pre-copy

    private void precopy() throws IOException, InterruptedException {
        BitSet pending = precopyRounds(options.maxRounds(), false);
        if (!committed) {
            stopAndCopy(pending, round + 1, "stop-and-copy");
        }
    }

    /**
     * Runs pre-copy rounds. Returns the pages still to send for stop-and-copy, or, when the strategy switches to
     * post-copy on a stall, runs post-copy itself and returns {@code null}.
     */
    private BitSet precopyRounds(int maxRounds, boolean hybrid) throws IOException, InterruptedException {
        RoundHistory history = new RoundHistory(pageCount);
        if (maxRounds == 0) {
            return null;
        }
        runner.atSafepoint(() -> {
            memory.setDirtyLogging(true);
            return null;
        });
        BitSet pending = allocatedPages();
        phase = MigrationPhase.PRECOPY;
        long best = Long.MAX_VALUE;
        int stalled = 0;
        boolean throttling = options.autoConverge();
        long nextRate = options.rate() == RateMode.DYNAMIC ? options.minRateBitsPerSec() : options.bandwidthBitsPerSec();
        while (true) {
            int r = round + 1;
            round = r;
            limiter.setRate(nextRate);
            RoundPlan plan = RoundPlan.of(pending, history, options.order(), options.delayHotThreshold());
            long t0 = System.nanoTime();
            BitSet dirtied = new BitSet(pageCount);
            long pages = sendRound(plan.order(), r, dirtied, options.skipRedirtied());
            dirtied.or(bitSet(harvest()));
            double secs = Math.max(1e-6, (System.nanoTime() - t0) / 1e9);
            long bytes = batches.roundBytes();
            history.record(dirtied);
            pending = (BitSet) dirtied.clone();
            pending.or(plan.delayed());
            dirtyRate = dirtied.cardinality() / secs;
            long left = pending.cardinality();
            remaining = left;
            rounds.add(new RoundReport(r, "precopy", pages, bytes, secs * 1000, dirtyRate, limiter.rate()));
            checkCancelled();
            if (hybrid) {
                if (r >= maxRounds) {
                    return pending;
                }
                continue;
            }
            double sendRate = bytes / secs;
            double dirtyBits = dirtyRate * PAGE * 8;
            if (left * PAGE < SMALL_REMAINDER) {
                notes.add("round " + r + ": " + left + " pages left, below 256 KiB: stop-and-copy");
                return pending;
            }
            if (sendRate > 0 && left * PAGE / sendRate * 1000 < options.maxDowntimeMillis()) {
                notes.add(String.format("round %d: expected stop-and-copy time %.1f ms is below the %d ms limit", r,
                        left * PAGE / sendRate * 1000, options.maxDowntimeMillis()));
                return pending;
            }
            if (options.rate() == RateMode.DYNAMIC) {
                nextRate = (long) dirtyBits + DYNAMIC_INCREMENT;
                if (nextRate > options.maxRateBitsPerSec()) {
                    notes.add(String.format("round %d: dirty rate %.0f Mbit/s + 50 Mbit/s exceeds the maximum rate: "
                            + "stop-and-copy", r, dirtyBits / 1e6));
                    return pending;
                }
            }
            if (r >= maxRounds) {
                notes.add("round " + r + ": maximum number of rounds reached: stop-and-copy");
                return pending;
            }
            if (left < best * 0.95) {
                best = left;
                stalled = 0;
            } else if (++stalled >= STALL_ROUNDS) {
                stalled = 0;
                String wws = "the writable working set stopped shrinking at " + left + " pages";
                StallAction action = options.onStall();
                if (action == StallAction.ABORT) {
                    throw new Abort("pre-copy does not converge: " + wws + " (on-stall ABORT)");
                }
                if (action == StallAction.POSTCOPY) {
                    notes.add("round " + r + ": " + wws + ": switching to post-copy");
                    postcopy(pending);
                    return null;
                }
                if (throttling && runner.throttle() >= MAX_THROTTLE) {
                    notes.add("round " + r + ": " + wws + " even at the highest throttle: stop-and-copy");
                    return pending;
                }
                if (!throttling) {
                    notes.add("round " + r + ": " + wws + ": throttling the vCPU");
                    throttling = true;
                }
            }
            if (throttling && dirtyRate * PAGE > sendRate) {
                double t = runner.throttle() == 0 ? 0.2 : Math.min(MAX_THROTTLE, runner.throttle() + 0.1);
                if (t != runner.throttle()) {
                    runner.setThrottle(t);
                    notes.add(String.format("round %d: throttle raised to %.0f%%", r, t * 100));
                }
            }
        }
    }

    /**
     * Sends the pages of one round in order, batched per stream, rate-limited. With {@code skipRedirtied} the
     * dirty log is harvested every {@link #PEEK_PAGES} pages or {@link #PEEK_NANOS} into {@code dirtied}, and a
     * page already dirtied again is not sent now: it is in the next round's set anyway.
     */
    private long sendRound(int[] order, int r, BitSet dirtied, boolean skipRedirtied)
            throws IOException, InterruptedException {
        batches.startRound(r);
        long sentPages = 0;
        long lastPeek = System.nanoTime();
        int sincePeek = 0;
        for (int i = 0; i < order.length; i++) {
            int p = order[i];
            if (skipRedirtied && (sincePeek >= PEEK_PAGES || System.nanoTime() - lastPeek > PEEK_NANOS)) {
                dirtied.or(bitSet(harvest()));
                lastPeek = System.nanoTime();
                sincePeek = 0;
            }
            if (skipRedirtied && dirtied.get(p)) {
                continue;
            }
            sincePeek++;
            if (options.skipFreePages() && memory.isReportedFree(p)) {
                skippedFree.incrementAndGet();
            } else {
                batches.add(p, encoder.encode(memory, p, true));
                sentPages++;
            }
            remaining = order.length - i - 1;
        }
        batches.endRound(r);
        return sentPages;
    }

    /**
     * The driver's batches, one per page stream: page {@code p} goes to stream {@code (p / 64) % streams}.
     * Counts pages per encoding, paces full batches through the rate limiter and hands them to the stream's
     * sender thread, so encoding and the writes of all streams overlap; remembers how many pages each stream
     * carried for ROUND_END.
     */
    private final class StreamBatches {

        private final PageBatchWriter[] current = new PageBatchWriter[options.streams()];
        private final long[] pagesSent = new long[options.streams()];
        private StreamSender[] senders = new StreamSender[0];
        private int round;
        private long roundBytes;

        /** Frame bytes handed to the streams since the round started. */
        long roundBytes() {
            return roundBytes;
        }

        /** Starts sending on the page streams of {@code l} (a new migration, or a recovery). */
        void attach(SourceLink l) throws IOException, InterruptedException {
            for (StreamSender s : senders) {
                s.stop();
            }
            senders = new StreamSender[current.length];
            for (int i = 0; i < senders.length; i++) {
                senders[i] = new StreamSender(l, i);
                current[i] = senders[i].takeFree(round);
            }
            Arrays.fill(pagesSent, 0);
        }

        /** Starts round {@code r} (the batches are empty between rounds). */
        void startRound(int r) {
            round = r;
            roundBytes = 0;
            for (PageBatchWriter w : current) {
                w.reset(r);
            }
        }

        void add(int p, PageEncoder.Encoded e) throws IOException, InterruptedException {
            encodingCounts.incrementAndGet(e.encoding().ordinal());
            int s = (p / CHUNK) % current.length;
            current[s].add(p, e.encoding(), e.data(), e.offset(), e.length());
            if (current[s].full()) {
                flush(s);
            }
        }

        void flush(int s) throws IOException, InterruptedException {
            PageBatchWriter w = current[s];
            if (w.count() == 0) {
                return;
            }
            checkCancelled();
            int len = w.seal();
            limiter.acquire(len);
            roundBytes += len;
            pagesSent[s] += w.count();
            senders[s].submit(w);
            current[s] = senders[s].takeFree(round);
        }

        void flushAll() throws IOException, InterruptedException {
            for (int s = 0; s < current.length; s++) {
                flush(s);
            }
        }

        /** Flushes and closes round {@code r} with a ROUND_END on every stream. */
        void endRound(int r) throws IOException, InterruptedException {
            for (int s = 0; s < current.length; s++) {
                flush(s);
                senders[s].submit(new Messages.RoundEnd(r, pagesSent[s]).frame());
            }
        }
    }

    /**
     * Writes one page stream on its own thread, in submission order: sealed batches (returned to a pool of three
     * for reuse) and ROUND_END frames. A write failure fails the whole link.
     */
    private final class StreamSender {

        private final SourceLink link;
        private final FrameConnection conn;
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
        private final BlockingQueue<PageBatchWriter> free = new ArrayBlockingQueue<>(3);
        private final Thread thread;
        private volatile IOException failure;
        private volatile boolean stopped;

        StreamSender(SourceLink link, int index) {
            this.link = link;
            this.conn = link.stream(index);
            for (int i = 0; i < 3; i++) {
                free.add(new PageBatchWriter(0));
            }
            thread = new Thread(this::run, "migrate-tx" + index + "-" + id);
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                while (!stopped && !conn.isClosed()) {
                    Object o = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (o instanceof PageBatchWriter w) {
                        conn.sendSealed(w.buffer(), w.length());
                        free.add(w);
                    } else if (o instanceof Frame f) {
                        conn.send(f);
                    }
                }
            } catch (IOException e) {
                failure = e;
                link.fail(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Queues a sealed batch or a frame; waits while the stream is behind. */
        void submit(Object o) throws IOException, InterruptedException {
            while (!queue.offer(o, 50, TimeUnit.MILLISECONDS)) {
                check();
            }
        }

        /** An empty batch of round {@code r}, once the stream has written one. */
        PageBatchWriter takeFree(int r) throws IOException, InterruptedException {
            PageBatchWriter w;
            while ((w = free.poll(50, TimeUnit.MILLISECONDS)) == null) {
                check();
            }
            w.reset(r);
            return w;
        }

        private void check() throws IOException {
            checkCancelled();
            IOException e = failure;
            if (e != null) {
                throw new IOException(e.getMessage(), e);
            }
            if (conn.isClosed() || stopped) {
                throw new IOException("page stream closed");
            }
        }

        void stop() {
            stopped = true;
        }
    }

    private DirtyBitmap harvest() {
        return runner.atSafepoint(memory::fetchAndClearDirtyLog);
    }

    private static BitSet bitSet(DirtyBitmap d) {
        BitSet b = new BitSet(d.pageCount());
        d.forEach(b::set);
        return b;
    }

    private BitSet allocatedPages() {
        BitSet b = new BitSet(pageCount);
        for (int p = 0; p < pageCount; p++) {
            if (memory.isAllocated(p)) {
                b.set(p);
            }
        }
        return b;
    }

    // ---------------------------------------------------------------- stop-and-copy and commit

    private void pauseVm() {
        checkCancelled();
        VmRunner.RunState st = runner.state();
        if (st == VmRunner.RunState.POWERED_OFF || st == VmRunner.RunState.CLOSED) {
            throw new Abort("the VM " + (st == VmRunner.RunState.CLOSED ? "was closed" : "powered off")
                    + " during the migration");
        }
        phase = MigrationPhase.STOP_AND_COPY;
        pausedByUs = runner.state() != VmRunner.RunState.PAUSED;
        pausedNanos = System.nanoTime();
        runner.pause();
    }

    private void stopAndCopy(BitSet pending, int r, String kind) throws IOException, InterruptedException {
        pauseVm();
        round = r;
        if (pending == null) {
            pending = allocatedPages();
        }
        if (memory.dirtyLogging()) {
            pending.or(bitSet(harvest()));
            memory.setDirtyLogging(false);
        }
        limiter.setRate(options.rate() == RateMode.DYNAMIC ? options.maxRateBitsPerSec()
                : options.bandwidthBitsPerSec());
        remaining = pending.cardinality();
        long bytes0 = wireBytes.get();
        long t0 = System.nanoTime();
        int[] order = pending.stream().toArray();
        long pages = sendRound(order, r, new BitSet(), false);
        sendDeviceState();
        link.control().send(new Messages.Switchover(r, false, new long[0]).frame());
        link.await(FrameType.READY, FrameConnection.REPLY_MILLIS, this::isCancelled);
        checkCancelled();
        link.control().send(Frame.empty(FrameType.COMMIT));
        committed = true;
        try {
            Frame running = link.await(FrameType.RUNNING, FrameConnection.REPLY_MILLIS, () -> false);
            faults = Messages.FaultStats.decode(running);
        } catch (IOException e) {
            throw new IOException("the target did not confirm that the VM runs (" + e.getMessage() + "); the VM is "
                    + "left paused on the source and may be running on the target: check the target before resuming "
                    + "it", e);
        }
        downtimeMs = (System.nanoTime() - pausedNanos) / 1e6;
        rounds.add(new RoundReport(r, kind, pages, wireBytes.get() - bytes0, (System.nanoTime() - t0) / 1e6, 0,
                limiter.rate()));
        remaining = 0;
    }

    private void sendDeviceState() throws IOException {
        List<Messages.Component> list = new ArrayList<>();
        for (Map.Entry<String, Record> e : runner.machine().componentStates().entrySet()) {
            Record rec = e.getValue();
            list.add(new Messages.Component(e.getKey(), rec.getClass().getName(),
                    RecordCodec.fingerprint(rec.getClass()), RecordCodec.encode(rec)));
        }
        link.control().send(Messages.deviceState(list));
        if (link.version() >= Messages.VM_FACTS_VERSION) {
            link.control().send(Messages.consoleHistory(consoleHistory.get()));
        }
    }

    // ---------------------------------------------------------------- post-copy

    /**
     * Switches execution to the target with {@code pending} (or, for pure post-copy, every written page) absent
     * there, then serves faults and pushes the rest (or, for demand migration, only serves faults until asked
     * to push). Survives lost connections through {@link #recover}.
     */
    private void postcopy(BitSet pending) throws IOException, InterruptedException {
        pauseVm();
        BitSet absent = pending == null ? allocatedPages() : pending;
        if (memory.dirtyLogging()) {
            absent.or(bitSet(harvest()));
            memory.setDirtyLogging(false);
        }
        int finalRound = round;
        synchronized (sentLock) {
            stale = absent;
            sent = new BitSet(pageCount);
        }
        remaining = absent.cardinality();
        long bytes0 = wireBytes.get();
        long t0 = System.nanoTime();
        sendDeviceState();
        long[] words = Arrays.copyOf(absent.toLongArray(), (pageCount + 63) >>> 6);
        link.control().send(new Messages.Switchover(finalRound, true, words).frame());
        link.await(FrameType.READY, FrameConnection.REPLY_MILLIS, this::isCancelled);
        checkCancelled();
        FaultServer server = new FaultServer(link);
        link.control().send(Frame.empty(FrameType.COMMIT));
        committed = true;
        phase = MigrationPhase.POSTCOPY;
        limiter.setRate(options.rate() == RateMode.DYNAMIC ? options.maxRateBitsPerSec()
                : options.bandwidthBitsPerSec());
        boolean pushWanted = options.strategy() != Strategy.DEMAND;
        if (!pushWanted) {
            notes.add("demand migration: pages move only when the target faults, until the target's VM stops or "
                    + "the rest is requested");
        }
        boolean running = false;
        while (true) {
            SourceLink l = link;
            try {
                while (!running) {
                    Frame f = l.await(FrameConnection.REPLY_MILLIS, () -> false);
                    if (f.type() == FrameType.PUSH_REST) {
                        pushRequested = true;
                    } else if (f.type() == FrameType.RUNNING) {
                        running = true;
                        downtimeMs = (System.nanoTime() - pausedNanos) / 1e6;
                    } else {
                        throw new ProtocolException("expected RUNNING from the target, got " + f.type());
                    }
                }
                if (transferRest(l, pushWanted, finalRound + 1)) {
                    break;
                }
                pushWanted = true;
            } catch (IOException e) {
                server.stop();
                l.close();
                phase = MigrationPhase.POSTCOPY_PAUSED;
                notes.add("post-copy connection lost (" + e.getMessage() + "); waiting for recovery");
                link = awaitRecovery();
                batches.attach(link);
                server = new FaultServer(link);
                phase = MigrationPhase.POSTCOPY;
                notes.add("post-copy recovered");
                if (!running) {
                    running = true;
                    downtimeMs = (System.nanoTime() - pausedNanos) / 1e6;
                    notes.add("the target's running acknowledgement was lost; downtime measured until recovery");
                }
            }
        }
        server.stop();
        rounds.add(new RoundReport(finalRound + 1, "postcopy", sentCount(), wireBytes.get() - bytes0,
                (System.nanoTime() - t0) / 1e6, 0, limiter.rate()));
        remaining = 0;
    }

    /**
     * Pushes the missing pages (when {@code push}) and waits for COMPLETE. Returns true when the target has every
     * page, false when a demand migration was asked to push the rest.
     */
    private boolean transferRest(SourceLink l, boolean push, int r) throws IOException, InterruptedException {
        if (!push && pushRequested) {
            notes.add("pushing the pages the target has not pulled (requested on the source)");
            return false;
        }
        if (push) {
            pushStale(l, r);
            l.control().send(Frame.empty(FrameType.PUSH_DONE));
        }
        while (true) {
            Frame f = l.await(0, () -> false);
            if (f.type() == FrameType.COMPLETE) {
                faults = Messages.FaultStats.decode(f);
                return true;
            }
            if (f.type() == FrameType.PUSH_REST && !push) {
                notes.add("pushing the pages the target has not pulled");
                return false;
            }
        }
    }

    /** Sends every stale page not sent yet, starting where the last fault was (pre-paging follows the guest). */
    private void pushStale(SourceLink l, int r) throws IOException, InterruptedException {
        PageEncoder enc = new PageEncoder(options.zeroPages(), false, options.lz4(), 0);
        batches.startRound(r);
        int cursor = 0;
        while (true) {
            int hint = prepageCursor;
            if (hint >= 0) {
                prepageCursor = -1;
                cursor = hint;
            }
            int p;
            synchronized (sentLock) {
                p = nextUnsent(cursor);
                if (p < 0) {
                    p = nextUnsent(0);
                }
                if (p < 0) {
                    break;
                }
                sent.set(p);
                remaining = Math.max(0, stale.cardinality() - sent.cardinality());
            }
            batches.add(p, enc.encode(memory, p, false));
            cursor = p + 1;
        }
        batches.flushAll();
    }

    /** The first stale page at or after {@code from} not sent yet, or -1. Holds sentLock. */
    private int nextUnsent(int from) {
        int p = stale.nextSetBit(from);
        while (p >= 0 && sent.get(p)) {
            p = stale.nextSetBit(p + 1);
        }
        return p;
    }

    private long sentCount() {
        synchronized (sentLock) {
            return sent.cardinality();
        }
    }

    private SourceLink awaitRecovery() throws InterruptedException {
        while (true) {
            InetSocketAddress address = recoveries.take();
            try {
                return connect(address, Handshake.Purpose.RECOVER);
            } catch (IOException e) {
                notes.add("recovery to " + address + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * Answers post-copy page requests on the control connection, each with its page and up to
     * {@code prepagingRadius} stale neighbours on either side that were not sent yet.
     */
    private final class FaultServer {

        private final BlockingQueue<Integer> requests;
        private final Thread thread;
        private final SourceLink l;

        FaultServer(SourceLink l) {
            this.l = l;
            this.requests = l.pageRequests();
            thread = new Thread(this::serve, "migrate-faults-" + id);
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            PageEncoder enc = new PageEncoder(options.zeroPages(), false, options.lz4(), 0);
            PageBatchWriter batch = new PageBatchWriter(0);
            try {
                while (true) {
                    int p = requests.take();
                    batch.reset(round + 1);
                    int radius = options.prepagingRadius();
                    List<Integer> pages = new ArrayList<>();
                    synchronized (sentLock) {
                        pages.add(p);
                        sent.set(p);
                        for (int d = 1; d <= radius; d++) {
                            for (int q : new int[] {p + d, p - d}) {
                                if (q >= 0 && q < pageCount && stale.get(q) && !sent.get(q)) {
                                    sent.set(q);
                                    pages.add(q);
                                }
                            }
                        }
                        remaining = Math.max(0, stale.cardinality() - sent.cardinality());
                    }
                    prepageCursor = Math.min(pageCount - 1, p + radius + 1);
                    for (int q : pages) {
                        PageEncoder.Encoded e = enc.encode(memory, q, false);
                        encodingCounts.incrementAndGet(e.encoding().ordinal());
                        batch.add(q, e.encoding(), e.data(), e.offset(), e.length());
                        if (batch.full()) {
                            send(batch);
                        }
                    }
                    send(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                l.fail(e);
            }
        }

        private void send(PageBatchWriter batch) throws IOException {
            if (batch.count() > 0) {
                int len = batch.seal();
                l.control().sendSealed(batch.buffer(), len);
                batch.reset(batch.round());
            }
        }

        void stop() {
            thread.interrupt();
        }
    }

    // ---------------------------------------------------------------- endings

    /** A decision of the source to give up (not a failure of the link). */
    static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abort(String message) {
            super(message);
        }
    }

    private void failBeforeCommit(String why, boolean byUser) {
        Thread.interrupted();
        SourceLink l = link;
        if (l != null) {
            if (byUser) {
                try {
                    l.control().send(Frame.empty(FrameType.CANCEL));
                } catch (IOException | RuntimeException ignored) {
                    // the target discards the VM when the connection closes anyway
                }
            } else {
                l.control().sendErrorQuietly("source aborted the migration: " + why);
            }
            l.close();
        }
        restoreVm();
        error = why;
        phase = byUser ? MigrationPhase.CANCELLED : MigrationPhase.FAILED;
        notes.add("the VM keeps running on the source");
        complete(false, why);
    }

    private void restoreVm() {
        try {
            if (runner.throttle() > 0) {
                runner.setThrottle(0);
            }
            runner.atSafepoint(() -> {
                memory.setDirtyLogging(false);
                return null;
            });
        } catch (RuntimeException e) {
            notes.add("could not reset dirty logging: " + e.getMessage());
        }
        if (pausedByUs) {
            runner.resume();
            pausedByUs = false;
        }
    }

    private void finish(boolean success, String why) {
        SourceLink l = link;
        if (l != null) {
            l.close();
        }
        if (runner.throttle() > 0) {
            runner.setThrottle(0);
        }
        error = why;
        phase = success ? MigrationPhase.COMPLETED : MigrationPhase.FAILED;
        complete(success, why);
    }

    private void complete(boolean success, String why) {
        Map<String, Long> byEncoding = new LinkedHashMap<>();
        for (Encoding e : Encoding.values()) {
            byEncoding.put(e.label(), encodingCounts.get(e.ordinal()));
        }
        byEncoding.put("skipped-free", skippedFree.get());
        double total = (System.nanoTime() - startNanos) / 1e6;
        result.complete(new MigrationReport(id, vm.name(), options.strategy(), success, why, List.copyOf(rounds), total,
                success ? downtimeMs : 0, wireBytes.get(), byEncoding, faults.faults(), faults.meanMs(),
                faults.maxMs(), List.copyOf(notes)));
    }

    /** The future of the report. */
    public CompletableFuture<MigrationReport> result() {
        return result;
    }

    /** The strategy running. */
    public Strategy strategy() {
        return options.strategy();
    }
}
