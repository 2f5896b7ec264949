package dev.ferry.migration.source;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.MovableDisk;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.EncodedComponent;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationPhase;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationStatus;
import dev.ferry.migration.RoundReport;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.migration.policy.Decision;
import dev.ferry.migration.policy.DowntimeEstimate;
import dev.ferry.migration.policy.MigrationPolicy;
import dev.ferry.migration.policy.PostCopyPaging;
import dev.ferry.migration.policy.RoundFigures;
import dev.ferry.migration.policy.SwitchoverDeadline;
import dev.ferry.migration.transfer.PageEncoder;
import dev.ferry.migration.transfer.TokenBucket;
import dev.ferry.migration.transfer.TransferUnits;
import dev.ferry.migration.wire.BusyReply;
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
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The mechanism of one migration's source side. A {@link MigrationPolicy} decides; this class carries the
 * decisions out on the VM and the link: it claims the dirty log, sends each pre-copy round the policy orders
 * (skipping pages dirtied again meanwhile, when asked), measures the round for the policy, and performs the
 * stop-and-copy or the post-copy switchover ({@link PostcopySource} runs what follows the latter). One driver
 * thread runs it; {@link #status}, {@link #cancel}, {@link #recover} and {@link #pushRemaining} may be called
 * from any thread.
 *
 * <p>With {@code copyDisks} the blocks of the VM's writable disk files are units like its pages
 * ({@link TransferUnits}): logged, sent, ordered and decided on in the same rounds.
 *
 * <p>Pages of rounds travel on the page streams ({@link PageStreams}); device state, the switchover and the
 * commit on the control connection. Until COMMIT any failure leaves the VM running here, and the VM stays paused
 * for the switchover only until its deadline ({@link SwitchoverGuard}). A target that takes in as many migrations as
 * it allows answers BEGIN with a {@link BusyReply}; the migration is then QUEUED and asks again, its VM untouched.
 */
public final class SourceMigration {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int PEEK_PAGES = 1024;
    private static final long PEEK_NANOS = 5_000_000L;
    private static final int XBZRLE_CACHE_PAGES = 16384;
    /** The longest a migration waits in a busy target's queue before it gives up. */
    private static final long MAX_QUEUE_NANOS = TimeUnit.MINUTES.toNanos(30);

    private final String id;
    private final VmRunner runner;
    private final VmDescriptor vm;
    private final InetSocketAddress target;
    private final byte[] secret;
    private final MigrationOptions options;
    private final int protocolVersion;
    private final GuestMemory memory;
    private final TransferUnits units;
    private final List<Messages.DiskCopy> copied;
    private final int pageCount;
    private final int unitCount;

    private final CompletableFuture<MigrationReport> result = new CompletableFuture<>();
    private final AtomicLong wireBytes = new AtomicLong();
    private final SourceRecord record = new SourceRecord();
    private final TokenBucket limiter = new TokenBucket(0);
    private final BlockingQueue<InetSocketAddress> recoveries = new LinkedBlockingQueue<>();
    private final PageStreams streams;
    private final PageEncoder encoder;
    private final DowntimeEstimate measured = new DowntimeEstimate();
    private final SwitchoverGuard switchover = new SwitchoverGuard();
    private final CompletableFuture<Void> runningOnTarget = new CompletableFuture<>();

    private volatile MigrationPhase phase = MigrationPhase.SETUP;
    private volatile int round;
    private volatile long remaining;
    private volatile double dirtyRate;
    private volatile boolean cancelled;
    private volatile boolean committed;
    private volatile boolean pushRequested;
    private volatile String error;
    private volatile SourceLink link;
    private volatile PostcopySource postcopy;
    private volatile long startNanos;
    /** When the target had the VM for good (the total time ends there, before the connections are closed). */
    private volatile long endNanos;
    private volatile Supplier<ConsoleHistory> consoleHistory = () -> ConsoleHistory.NONE;
    private volatile EncryptionPolicy encryption = EncryptionPolicy.DEFAULT;
    private long pausedNanos;
    private boolean pausedByUs;
    private DirtyTracker dirty;
    private Thread driver;

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
        this.copied = options.copyDisks() ? copiedDisks(vm, runner.machine().movableDisks()) : List.of();
        List<MovableDisk> disks = new ArrayList<>();
        for (Messages.DiskCopy c : copied) {
            disks.add(runner.machine().movableDisks().get(c.drive()));
        }
        this.units = new TransferUnits(memory, disks);
        this.pageCount = memory.pageCount();
        this.unitCount = units.count();
        this.streams = new PageStreams(units, options.streams(), limiter, record, this::cancelledBeforeCommit);
        this.encoder = new PageEncoder(options.zeroPages(), options.xbzrle(), options.lz4(), XBZRLE_CACHE_PAGES);
    }

    /** The VM's writable disk files, whose blocks a migration with {@code copyDisks} sends. */
    private static List<Messages.DiskCopy> copiedDisks(VmDescriptor vm, List<MovableDisk> disks) {
        List<Messages.DiskCopy> list = new ArrayList<>();
        for (int i = 0; i < vm.drives().size() && i < disks.size(); i++) {
            DriveConfig d = vm.drives().get(i);
            if (d.isFile() && !d.readOnly()) {
                list.add(new Messages.DiskCopy(i, disks.get(i).size()));
            }
        }
        return list;
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
        PostcopySource pc = postcopy;
        long left = pc != null && phase != MigrationPhase.COMPLETED ? pc.remaining() : remaining;
        return new MigrationStatus(id, vm.name(), options.strategy(), phase, round, left, dirtyRate,
                limiter.rate(), runner.throttle(), wireBytes.get(), elapsed, error);
    }

    /** Where the VM's recent console output comes from (sent with the device state, protocol 3 on). */
    public void consoleHistory(Supplier<ConsoleHistory> history) {
        consoleHistory = history;
    }

    /** Whether the connections to the target are encrypted (see {@code MigrationSource}). */
    public void encryption(EncryptionPolicy policy) {
        encryption = policy;
    }

    /** Cancels before switchover; refused after. */
    public synchronized void cancel() {
        if (committed) {
            throw new IllegalStateException("migration " + id + " is past switchover: the VM runs on the target and "
                    + "cannot be cancelled");
        }
        cancelled = true;
    }

    /** Post-copy: reconnects to {@code newTarget} and resumes sending what the target misses. */
    public void recover(InetSocketAddress newTarget) {
        if (!committed || result.isDone() || postcopy == null) {
            throw new IllegalStateException("migration " + id + " is not in post-copy; nothing to recover");
        }
        recoveries.add(newTarget);
    }

    /** Post-copy (demand migration): pushes every page the target has not pulled yet, then completes. */
    public void pushRemaining() {
        pushRequested = true;
        PostcopySource pc = postcopy;
        if (pc != null) {
            pc.requestPush();
        }
    }

    /** The future of the report. */
    public CompletableFuture<MigrationReport> result() {
        return result;
    }

    /**
     * Completes when the VM runs on the target (RUNNING arrived: the downtime is over, though a post-copy migration
     * still moves pages), or when a post-copy migration lost its connection after COMMIT (the VM belongs to the
     * target, and the migration waits for a recovery); completes exceptionally when the migration ends without
     * that.
     */
    public CompletableFuture<Void> runningOnTarget() {
        return runningOnTarget;
    }

    /** The strategy running. */
    public Strategy strategy() {
        return options.strategy();
    }

    private boolean cancelledBeforeCommit() {
        return cancelled && !committed;
    }

    private void checkCancelled() {
        if (cancelledBeforeCommit()) {
            throw new SourceLink.CancelledException();
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
            SourceLink l = openWhenAdmitted();
            link = l;
            if (!l.encrypted() && !l.control().peerIsLoopback()) {
                record.note("warning: the migration traffic to " + target + " is not encrypted (encryption is set "
                        + "to never)");
            }
            streams.attach(l, id);
            if (options.copyDisks()) {
                record.note(copied.isEmpty() ? "no writable disk file to copy: disks stay where they are"
                        : "copying " + copied.size() + " disk(s), " + (unitCount - pageCount) + " blocks of 4 KiB, with "
                        + "the memory");
            }
            dirty = DirtyTracker.claim(runner, units, "migration " + id);
            MigrationPolicy policy = MigrationPolicy.forOptions(options, System::nanoTime);
            BitSet allocated = runner.atSafepoint(memory::allocatedSet).toBitSet();
            units.addAllBlocks(allocated);
            Decision d = policy.begin(allocated);
            while (d instanceof Decision.Send send) {
                d = policy.afterRound(precopyRound(send));
            }
            switch (d) {
                case Decision.StopAndCopy s -> {
                    record.note(s.reason());
                    stopAndCopy(s.pages(), s.rateBitsPerSec());
                }
                case Decision.PostCopy p -> {
                    record.note(p.reason());
                    postcopy(policy, p);
                }
                case Decision.Abort a -> throw new Abort(a.reason());
                case Decision.Send s -> throw new IllegalStateException("unreachable");
            }
            endNanos = System.nanoTime();
            finish(true, null);
        } catch (SourceLink.CancelledException e) {
            failBeforeCommit("cancelled by the user", true);
        } catch (Exception e) {
            SourceLink l = link;
            String expired = switchover.expired();
            String why = expired != null ? expired : l != null ? l.explain(e)
                    : e.getMessage() == null ? e.toString() : e.getMessage();
            if (expired != null) {
                record.note("switchover deadline of " + switchover.millis() + " ms passed before the target was "
                        + "ready: aborted before COMMIT, the VM was resumed on the source");
            }
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

    /**
     * Opens the link; while the target answers that it is busy, waits in phase QUEUED (the VM runs on untouched)
     * and asks again as the target says, with some jitter, until it admits the migration.
     */
    private SourceLink openWhenAdmitted() throws IOException, InterruptedException {
        long since = 0;
        while (true) {
            try {
                SourceLink l = SourceLink.open(target, secret, encryption, protocolVersion, id,
                        Handshake.Purpose.CONTROL, SourceLink.begin(vm, options.strategy(), options.streams(), copied),
                        FrameType.BEGIN_OK,
                        options.streams(), unitCount, wireBytes, new Frame[1]);
                if (since != 0) {
                    record.note(String.format("waited %.0f ms in the target's queue", (System.nanoTime() - since) / 1e6));
                    phase = MigrationPhase.SETUP;
                }
                return l;
            } catch (ProtocolException e) {
                OptionalLong retry = BusyReply.retryMillis(e.getMessage());
                if (retry.isEmpty()) {
                    throw e;
                }
                if (since == 0) {
                    since = System.nanoTime();
                    phase = MigrationPhase.QUEUED;
                } else if (System.nanoTime() - since > MAX_QUEUE_NANOS) {
                    throw new Abort("the target stayed busy for " + TimeUnit.NANOSECONDS.toMinutes(MAX_QUEUE_NANOS)
                            + " minutes (" + e.getMessage() + ")");
                }
                long wait = retry.getAsLong() + ThreadLocalRandom.current().nextLong(retry.getAsLong() / 4 + 1);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
                while (System.nanoTime() < until) {
                    checkCancelled();
                    Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
                }
                checkCancelled();
            }
        }
    }

    // ---------------------------------------------------------------- pre-copy

    /**
     * Sends one pre-copy round as the policy ordered and measures it. With skip-redirtied the dirty log is
     * harvested every {@link #PEEK_PAGES} pages or {@link #PEEK_NANOS}, and a page already dirtied again is not
     * sent now: it is in the next round's set anyway.
     */
    private RoundFigures precopyRound(Decision.Send s) throws IOException, InterruptedException {
        int r = round + 1;
        round = r;
        phase = MigrationPhase.PRECOPY;
        record.notes(s.notes());
        limiter.setRate(s.rateBitsPerSec());
        if (s.throttle() != runner.throttle()) {
            runner.setThrottle(s.throttle());
        }
        double throttle = runner.throttle();
        int[] order = s.order();
        BitSet dirtied = new BitSet(unitCount);
        boolean skipRedirtied = options.skipRedirtied();
        long t0 = System.nanoTime();
        long lastPeek = t0;
        int sincePeek = 0;
        long sent = 0;
        streams.startRound(r);
        for (int i = 0; i < order.length; i++) {
            int p = order[i];
            if (skipRedirtied && (sincePeek >= PEEK_PAGES || System.nanoTime() - lastPeek > PEEK_NANOS)) {
                dirty.harvestInto(dirtied);
                lastPeek = System.nanoTime();
                sincePeek = 0;
            }
            remaining = order.length - i - 1L + s.delayed().cardinality();
            if (skipRedirtied && dirtied.get(p)) {
                continue;
            }
            sincePeek++;
            if (options.skipFreePages() && p < pageCount && memory.isReportedFree(p)) {
                record.skippedFree();
                continue;
            }
            streams.add(p, encoder, true);
            sent++;
        }
        streams.endRound(r);
        if (streams.roundBlocks() > 0) {
            record.diskRound();
        }
        link.awaitApplied(r, FrameConnection.REPLY_MILLIS, this::cancelledBeforeCommit);
        dirty.harvestInto(dirtied);
        long elapsed = System.nanoTime() - t0;
        long wire = streams.roundBytes();
        double secs = Math.max(elapsed, 1_000) / 1e9;
        dirtyRate = dirtied.cardinality() / secs;
        remaining = dirtied.cardinality() + (long) s.delayed().cardinality();
        record.round(new RoundReport(r, "precopy", sent, wire, elapsed / 1e6, dirtyRate, s.rateBitsPerSec()));
        checkCancelled();
        RoundFigures figures = new RoundFigures(r, order.length, sent, sent * PAGE, wire, elapsed, dirtied, throttle);
        measured.record(figures);
        return figures;
    }

    // ---------------------------------------------------------------- stop-and-copy and commit

    /** Pauses the VM; returns when its vCPU is parked. */
    private void pauseVm() {
        checkCancelled();
        VmRunner.RunState st = runner.state();
        if (st == VmRunner.RunState.POWERED_OFF || st == VmRunner.RunState.CLOSED) {
            throw new Abort("the VM " + (st == VmRunner.RunState.CLOSED ? "was closed" : "powered off")
                    + " during the migration");
        }
        phase = MigrationPhase.STOP_AND_COPY;
        pausedByUs = st != VmRunner.RunState.PAUSED;
        pausedNanos = System.nanoTime();
        runner.pause();
        record.downtimePhase("pause", System.nanoTime() - pausedNanos);
    }

    private void stopAndCopy(BitSet pages, long rate) throws IOException, InterruptedException {
        pauseVm();
        int r = round + 1;
        round = r;
        long t = System.nanoTime();
        dirty.harvestInto(pages);
        dirty.release();
        switchover.arm(link, pausedNanos, SwitchoverDeadline.millis(options.switchoverTimeoutMillis(),
                pages.cardinality(), measured, rate));
        limiter.setRate(rate);
        remaining = pages.cardinality();
        long bytes0 = wireBytes.get();
        streams.startRound(r);
        long sent = 0;
        for (int p = pages.nextSetBit(0); p >= 0; p = pages.nextSetBit(p + 1)) {
            if (options.skipFreePages() && p < pageCount && memory.isReportedFree(p)) {
                record.skippedFree();
            } else {
                streams.add(p, encoder, true);
                sent++;
            }
            remaining--;
        }
        streams.endRound(r);
        if (streams.roundBlocks() > 0) {
            record.diskRound();
        }
        streams.drain();
        long tPages = System.nanoTime();
        record.downtimePhase("last_pages", tPages - t);
        sendDeviceState();
        link.control().send(new Messages.Switchover(r, false, new long[0], streams.pagesSent()).frame(link.version()));
        link.await(FrameType.READY, readyMillis(), this::cancelledBeforeCommit);
        switchover.ready();
        long tReady = System.nanoTime();
        record.downtimePhase("device_state", tReady - tPages);
        commit();
        Frame running;
        try {
            running = link.await(FrameType.RUNNING, FrameConnection.REPLY_MILLIS, () -> false);
        } catch (IOException e) {
            throw new IOException("the target did not confirm that the VM runs (" + e.getMessage() + "); the VM is "
                    + "left paused on the source and may be running on the target: check the target before resuming "
                    + "it", e);
        }
        long tRunning = System.nanoTime();
        record.faults(Messages.FaultStats.decode(running));
        record.downtimePhase("target_resume", tRunning - tReady);
        record.downtime(tRunning - pausedNanos);
        runningOnTarget.complete(null);
        record.round(new RoundReport(r, "stop-and-copy", sent, wireBytes.get() - bytes0, (tPages - t) / 1e6, 0,
                limiter.rate()));
        remaining = 0;
    }

    /** How long the driver itself waits for READY: the switchover deadline ends the wait first. */
    private long readyMillis() {
        return Math.max(FrameConnection.REPLY_MILLIS, switchover.millis() + 1000);
    }

    /** Sends COMMIT: from here on the VM belongs to the target. Refuses a cancel that came first. */
    private void commit() throws IOException {
        synchronized (this) {
            checkCancelled();
            committed = true;
        }
        link.control().send(Frame.empty(FrameType.COMMIT));
    }

    private void sendDeviceState() throws IOException {
        List<Messages.Component> list = new ArrayList<>();
        for (EncodedComponent c : runner.machine().roster().encode()) {
            list.add(new Messages.Component(c.id(), c.type(), c.fingerprint(), c.data()));
        }
        link.control().send(Messages.deviceState(list));
        if (link.version() >= Messages.VM_FACTS_VERSION) {
            link.control().send(Messages.consoleHistory(consoleHistory.get()));
        }
    }

    // ---------------------------------------------------------------- post-copy

    /**
     * Switches execution to the target with {@code p.absent()} (plus what the final harvest adds) missing there,
     * then lets a {@link PostcopySource} serve faults and push the rest as the policy's paging says.
     */
    private void postcopy(MigrationPolicy policy, Decision.PostCopy p) throws IOException, InterruptedException {
        pauseVm();
        long t = System.nanoTime();
        BitSet absent = p.absent();
        dirty.harvestInto(absent);
        dirty.release();
        switchover.arm(link, pausedNanos, SwitchoverDeadline.millis(options.switchoverTimeoutMillis(), 0, measured, 0));
        int finalRound = round;
        remaining = absent.cardinality();
        PostCopyPaging paging = policy.postCopy(absent);
        if (pushRequested) {
            paging.requestPush();
        }
        sendDeviceState();
        if (absent.nextSetBit(pageCount) >= 0) {
            record.diskRound();
        }
        long[] words = Arrays.copyOf(absent.toLongArray(), (unitCount + 63) >>> 6);
        link.control().send(new Messages.Switchover(finalRound, true, words, streams.pagesSent())
                .frame(link.version()));
        link.await(FrameType.READY, readyMillis(), this::cancelledBeforeCommit);
        switchover.ready();
        long tReady = System.nanoTime();
        record.downtimePhase("device_state", tReady - t);
        PostcopySource pc = new PostcopySource(id, units, options, paging, streams, limiter, record, wireBytes,
                this::awaitRecovery, finalRound + 1);
        postcopy = pc;
        commit();
        phase = MigrationPhase.POSTCOPY;
        limiter.setRate(p.rateBitsPerSec());
        pc.run(link, running -> {
            record.downtimePhase("target_resume", running - tReady);
            record.downtime(running - pausedNanos);
            runningOnTarget.complete(null);
        }, lost -> {
            phase = lost ? MigrationPhase.POSTCOPY_PAUSED : MigrationPhase.POSTCOPY;
            if (lost) {
                runningOnTarget.complete(null);
            }
        });
        remaining = 0;
    }

    /** Waits for {@link #recover} and reconnects; returns the new link and the pages the target still misses. */
    private PostcopySource.Recovery awaitRecovery() throws InterruptedException {
        while (true) {
            InetSocketAddress address = recoveries.take();
            Frame[] reply = new Frame[1];
            try {
                SourceLink l = SourceLink.open(address, secret, encryption, protocolVersion, id,
                        Handshake.Purpose.RECOVER, null, FrameType.RECOVER_STATE, options.streams(), unitCount,
                        wireBytes, reply);
                BitSet missing = BitSet.valueOf(Messages.bitmap(reply[0].reader(), unitCount));
                link = l;
                return new PostcopySource.Recovery(l, missing);
            } catch (IOException e) {
                record.note("recovery to " + address + " failed: " + e.getMessage());
            }
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
        streams.stop();
        restoreVm();
        error = why;
        phase = byUser ? MigrationPhase.CANCELLED : MigrationPhase.FAILED;
        record.note("the VM keeps running on the source");
        complete(false, why);
    }

    /** Gives the VM back as it was: no throttle, no dirty logging, running if we paused it. */
    private void restoreVm() {
        try {
            if (runner.throttle() > 0) {
                runner.setThrottle(0);
            }
            if (dirty != null) {
                dirty.release();
            }
        } catch (RuntimeException e) {
            record.note("could not reset dirty logging: " + e.getMessage());
        }
        if (pausedByUs) {
            runner.resume();
            pausedByUs = false;
            record.downtime(System.nanoTime() - pausedNanos);
        }
    }

    private void finish(boolean success, String why) {
        SourceLink l = link;
        if (l != null) {
            l.close();
        }
        streams.stop();
        if (runner.throttle() > 0) {
            runner.setThrottle(0);
        }
        error = why;
        phase = success ? MigrationPhase.COMPLETED : MigrationPhase.FAILED;
        complete(success, why);
    }

    private void complete(boolean success, String why) {
        runningOnTarget.completeExceptionally(new IllegalStateException("migration " + id + " ended: " + why));
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        result.complete(record.report(id, vm.name(), options.strategy(), success, why, end - startNanos,
                wireBytes.get()));
    }
}
