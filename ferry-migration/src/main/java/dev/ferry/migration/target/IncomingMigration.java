package dev.ferry.migration.target;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.MovableDisk;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.ComponentRoster;
import dev.ferry.machine.state.EncodedComponent;
import dev.ferry.machine.state.StateFormatException;
import dev.ferry.migration.IncomingVmHandler;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import dev.ferry.migration.transfer.PageApplier;
import dev.ferry.migration.transfer.TransferUnits;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One migration arriving at a target host. The control connection's thread drives it through its states —
 * RECEIVING (pages on the streams, device state), READY (complete image, waiting for COMMIT), then either
 * DONE (pre-copy: the VM runs here) or POSTCOPY (the VM runs here, absent pages still arriving) and DONE once
 * every page is present. Each page stream has its own thread. Any failure before COMMIT discards the partial VM
 * and tells the host ({@link IncomingVmHandler#abandoned}); disks copied with the VM arrive as units after its pages
 * ({@link TransferUnits}) into empty disk files the host creates ({@link IncomingVmHandler#createLocalDisk}); in POSTCOPY a lost connection only pauses the
 * transfer until the source reconnects with a RECOVER connection.
 */
public final class IncomingMigration {

    /** Where the arriving migration is. */
    public enum State {
        /** Pages and device state arriving. */
        RECEIVING,
        /** Image complete; waiting for COMMIT. */
        READY,
        /** The VM runs here; absent pages still arriving. */
        POSTCOPY,
        /** The VM runs here with all its memory. */
        DONE,
        /** Given up before COMMIT; the VM was discarded. */
        ABANDONED
    }

    private static final long STREAM_WAIT_MILLIS = 30_000;

    private final String id;
    private final VmDescriptor vm;
    private final Strategy strategy;
    private final IncomingVmHandler handler;
    private final Consumer<IncomingMigration> onEnd;
    private final VirtMachine machine;
    private final GuestMemory memory;
    private final TransferUnits units;
    private final FrameConnection[] streams;
    private final int[] streamRound;
    /** Pages each stream has applied (guarded by {@code lock}). */
    private final long[] streamPages;
    private final FaultTracker faults = new FaultTracker();
    private final PageApplier controlApplier;
    private final int version;
    /** The last round every stream delivered (guarded by {@code lock}). */
    private int appliedRound;
    private final AtomicBoolean completeSent = new AtomicBoolean();
    private final Object lock = new Object();

    private volatile State state = State.RECEIVING;
    private volatile boolean postcopy;
    private volatile FrameConnection control;
    /** Built and parked at BEGIN, so that switchover only has to let it run. */
    private final VmRunner runner;
    private volatile boolean pushRestSent;
    private Thread faultSender;

    private IncomingMigration(String id, Messages.Begin begin, int version, IncomingVmHandler handler,
            Consumer<IncomingMigration> onEnd, FrameConnection control) {
        this.id = id;
        this.version = version;
        this.vm = localDisks(begin, handler);
        this.strategy = begin.strategy();
        this.handler = handler;
        this.onEnd = onEnd;
        this.control = control;
        this.machine = new VirtMachine(vm.machineConfig(handler.consoleFor(vm)), handler.backends());
        this.memory = machine.memory();
        List<MovableDisk> copied = new ArrayList<>();
        for (Messages.DiskCopy c : begin.copied()) {
            MovableDisk d = machine.movableDisks().get(c.drive());
            d.assumeZero();
            copied.add(d);
        }
        this.units = new TransferUnits(memory, copied);
        this.controlApplier = new PageApplier(units);
        this.runner = new VmRunner(machine, vm.name(), vm.instructionLimit());
        runner.pause();
        runner.start();
        this.streams = new FrameConnection[begin.streams()];
        this.streamRound = new int[begin.streams()];
        this.streamPages = new long[begin.streams()];
    }

    /**
     * The arriving VM as it runs here: each copied disk replaced by the empty disk file the host creates for it (the
     * host deletes them when it hears the VM was abandoned).
     */
    private static VmDescriptor localDisks(Messages.Begin begin, IncomingVmHandler handler) {
        VmDescriptor vm = begin.vm();
        if (begin.copied().isEmpty()) {
            return vm;
        }
        List<DriveConfig> drives = new ArrayList<>(vm.drives());
        try {
            for (Messages.DiskCopy c : begin.copied()) {
                drives.set(c.drive(), handler.createLocalDisk(vm, c.drive(), drives.get(c.drive()), c.size()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a local disk: " + e.getMessage(), e);
        }
        return new VmDescriptor(vm.name(), vm.ramSize(), vm.deterministic(), vm.instructionLimit(), vm.balloon(),
                vm.image(), vm.bootArgs(), drives, vm.nics(), vm.rng(), vm.mrom());
    }

    /**
     * Takes a BEGIN frame on an authenticated control connection: asks the host and builds the machine, or refuses
     * with an ERROR frame and throws. {@link #accept} answers BEGIN_OK.
     */
    public static IncomingMigration begin(String id, Frame beginFrame, int version, IncomingVmHandler handler,
            Consumer<IncomingMigration> onEnd, FrameConnection control) throws IOException {
        Messages.Begin begin;
        try {
            begin = Messages.Begin.decode(beginFrame, version);
        } catch (ProtocolException e) {
            control.sendErrorQuietly(e.getMessage());
            throw e;
        }
        Set<Integer> copied = new HashSet<>();
        for (Messages.DiskCopy c : begin.copied()) {
            copied.add(c.drive());
        }
        if (!handler.canAccept(begin.vm(), copied)) {
            String why = "target cannot take VM '" + begin.vm().name() + "' (the name is in use there)";
            control.sendErrorQuietly(why);
            throw new ProtocolException(why);
        }
        try {
            return new IncomingMigration(id, begin, version, handler, onEnd, control);
        } catch (RuntimeException e) {
            String why = "target cannot build the machine: " + e.getMessage();
            control.sendErrorQuietly(why);
            handler.abandoned(begin.vm(), why);
            throw new ProtocolException(why);
        }
    }

    /** Tells the source to go ahead (once the migration is registered, so its page streams find it). */
    public void accept() throws IOException {
        control.send(Frame.empty(FrameType.BEGIN_OK));
    }

    /** The migration id. */
    public String id() {
        return id;
    }

    /** The arriving VM. */
    public VmDescriptor vm() {
        return vm;
    }

    /** Current state. */
    public State state() {
        return state;
    }

    // ---------------------------------------------------------------- control connection

    /** Runs the control connection until the migration ends or the connection fails. */
    public void runControl(FrameConnection c) {
        ComponentRoster.Validated devices = null;
        try {
            while (true) {
                FrameConnection.Received received;
                try {
                    received = c.receiveInPlace(0);
                } catch (EOFException e) {
                    if (state == State.DONE) {
                        closeConnections();
                        onEnd.accept(this);
                        return;
                    }
                    throw new IOException("source closed the connection", e);
                }
                if (received.type() == FrameType.PAGES) {
                    if (!postcopy) {
                        throw new ProtocolException("pages on the control connection before switchover");
                    }
                    controlApplier.apply(received.payload(), true, this::installed);
                    continue;
                }
                Frame f = received.toFrame();
                switch (f.type()) {
                    case DEVICE_STATE -> devices = decodeDevices(Messages.deviceState(f));
                    case CONSOLE_HISTORY -> handler.consoleHistory(vm, Messages.consoleHistory(f));
                    case SWITCHOVER -> {
                        if (devices == null || state != State.RECEIVING) {
                            throw new ProtocolException("SWITCHOVER without device state");
                        }
                        switchover(c, Messages.Switchover.decode(f, units.count(), streams.length, version),
                                devices);
                    }
                    case PUSH_DONE -> checkComplete();
                    case CANCEL -> throw new ProtocolException("the source cancelled the migration");
                    case ERROR -> throw new ProtocolException("source reported: " + Messages.error(f));
                    default -> throw new ProtocolException("unexpected " + f.type() + " frame on the control "
                            + "connection");
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(c, e);
        }
    }

    /** Decodes and validates the device state against this machine's roster, before switchover. */
    private ComponentRoster.Validated decodeDevices(List<Messages.Component> list) throws IOException {
        List<EncodedComponent> encoded = new ArrayList<>(list.size());
        for (Messages.Component c : list) {
            encoded.add(new EncodedComponent(c.name(), c.type(), c.fingerprint(), c.data()));
        }
        try {
            return machine.roster().check(encoded);
        } catch (StateFormatException e) {
            throw new ProtocolException("device state: " + e.getMessage());
        }
    }

    private void switchover(FrameConnection c, Messages.Switchover sw, ComponentRoster.Validated devices)
            throws IOException {
        awaitStreams(sw);
        machine.restoreComponents(devices);
        if (sw.postcopy()) {
            units.markAbsent(BitSet.valueOf(sw.absent()), faults);
            memory.setPageSupplier(faults);
            postcopy = true;
        }
        units.flushDisks();
        state = State.READY;
        c.send(Frame.empty(FrameType.READY));
        Frame commit = c.receive(FrameConnection.REPLY_MILLIS);
        if (commit.type() == FrameType.CANCEL) {
            throw new ProtocolException("the source cancelled the migration");
        }
        if (commit.type() != FrameType.COMMIT) {
            throw new ProtocolException("expected COMMIT, got " + commit.type()
                    + (commit.type() == FrameType.ERROR ? ": " + Messages.error(commit) : ""));
        }
        if (sw.postcopy()) {
            state = State.POSTCOPY;
            startFaultSender();
        } else {
            state = State.DONE;
        }
        try {
            c.send(stats().frame(FrameType.RUNNING));
        } finally {
            // after COMMIT the VM is this host's, whether or not RUNNING reached the source; the vCPU starts after
            // the send so that it does not compete with it
            runner.resume();
            handler.arrived(vm, runner);
        }
        if (sw.postcopy()) {
            checkComplete();
        }
    }

    /**
     * Page stream {@code index} delivered {@code round}; once every stream has, the disk blocks of the round are
     * made durable (so the switchover only waits for the last round's) and the source hears so (protocol 3 on), so
     * it can measure its rounds end to end and pause the VM only once the target has caught up.
     */
    private void roundDelivered(int index, int round) throws IOException {
        boolean all;
        synchronized (lock) {
            streamRound[index] = Math.max(streamRound[index], round);
            lock.notifyAll();
            all = round > appliedRound;
            for (int i = 0; i < streams.length && all; i++) {
                all = streams[i] != null && streamRound[i] >= round;
            }
            if (all) {
                appliedRound = round;
            }
        }
        if (all && !postcopy && units.hasDisks()) {
            units.flushDisks();
        }
        if (all && version >= Messages.ROUND_APPLIED_VERSION && !postcopy) {
            control.send(Messages.roundApplied(round));
        }
    }

    /**
     * Waits until every page stream has applied what the source sent before SWITCHOVER: the pages it names per
     * stream (protocol 3 on, so nothing waits for the last ROUND_END frames when the pages are in already), or the
     * final round's ROUND_END on every stream.
     */
    private void awaitStreams(Messages.Switchover sw) throws ProtocolException {
        int finalRound = sw.finalRound();
        long[] expected = sw.streamPages();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STREAM_WAIT_MILLIS);
        synchronized (lock) {
            while (true) {
                boolean all = true;
                for (int i = 0; i < streams.length; i++) {
                    all &= streams[i] != null && (expected != null ? streamPages[i] >= expected[i]
                            : streamRound[i] >= finalRound);
                }
                if (all) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || state == State.ABANDONED) {
                    throw new ProtocolException("page streams did not deliver round " + finalRound + " in time");
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ProtocolException("interrupted while waiting for the page streams");
                }
            }
        }
    }

    private Messages.FaultStats stats() {
        double[] s = faults.stats();
        return new Messages.FaultStats((long) s[0], s[1], s[2]);
    }

    // ---------------------------------------------------------------- page streams

    /** Runs page stream {@code index} until it closes or fails. */
    public void runStream(FrameConnection c, int index) {
        if (index < 0 || index >= streams.length) {
            c.sendErrorQuietly("page stream " + index + " does not exist (" + streams.length + " streams)");
            c.close();
            return;
        }
        synchronized (lock) {
            if (streams[index] != null && !streams[index].isClosed() && !postcopy) {
                c.sendErrorQuietly("page stream " + index + " is connected already");
                c.close();
                return;
            }
            streams[index] = c;
            lock.notifyAll();
        }
        PageApplier applier = new PageApplier(units);
        long received = 0;
        try {
            while (true) {
                FrameConnection.Received f;
                try {
                    f = c.receiveInPlace(0);
                } catch (EOFException e) {
                    if (state == State.DONE || state == State.ABANDONED || c.isClosed()) {
                        return;
                    }
                    throw new IOException("page stream " + index + " closed by the source", e);
                }
                switch (f.type()) {
                    case PAGES -> {
                        received += applier.apply(f.payload(), postcopy, this::installed);
                        synchronized (lock) {
                            streamPages[index] = received;
                            lock.notifyAll();
                        }
                    }
                    case ROUND_END -> {
                        Messages.RoundEnd end = Messages.RoundEnd.decode(f.toFrame());
                        if (end.pagesTotal() != received) {
                            throw new ProtocolException("page stream " + index + " lost pages: the source sent "
                                    + end.pagesTotal() + ", the target received " + received);
                        }
                        roundDelivered(index, end.round());
                    }
                    case ERROR -> throw new ProtocolException("source reported: " + Messages.error(f.toFrame()));
                    default -> throw new ProtocolException("unexpected " + f.type() + " frame on a page stream");
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(c, e);
        }
    }

    private void installed(int page) {
        faults.installed(page);
        if (postcopy) {
            checkComplete();
        }
    }

    private void checkComplete() {
        if (state == State.POSTCOPY && units.absentUnits() == 0 && completeSent.compareAndSet(false, true)) {
            state = State.DONE;
            memory.setPageSupplier(null);
            units.clearSuppliers();
            FrameConnection c = control;
            try {
                c.send(stats().frame(FrameType.COMPLETE));
            } catch (IOException e) {
                // the source learns it on recovery: RECOVER_STATE with no page missing
            }
        }
    }

    // ---------------------------------------------------------------- post-copy faults and recovery

    private void startFaultSender() {
        faultSender = new Thread(this::sendFaults, "ferry-rx-faults-" + vm.name());
        faultSender.setDaemon(true);
        faultSender.start();
    }

    /** Sends page requests; for demand migration also asks for the rest once the VM stopped running. */
    private void sendFaults() {
        while (state == State.POSTCOPY) {
            try {
                Integer p = faults.requests().poll(20, TimeUnit.MILLISECONDS);
                FrameConnection c = control;
                if (p != null && c != null) {
                    c.send(Messages.pageRequest(p));
                }
                VmRunner r = runner;
                if (strategy == Strategy.DEMAND && !pushRestSent && r != null && c != null
                        && r.state() != VmRunner.RunState.RUNNING && r.state() != VmRunner.RunState.PAUSED) {
                    pushRestSent = true;
                    c.send(Frame.empty(FrameType.PUSH_REST));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // the connection is lost; requests are sent again after recovery
            }
        }
    }

    /**
     * Takes over a new authenticated control connection of the source after a post-copy connection loss: tells
     * the source which pages are still missing, repeats the pending page requests and continues.
     */
    public void recover(FrameConnection c) {
        if (state != State.POSTCOPY && state != State.DONE) {
            c.sendErrorQuietly("migration " + id + " cannot be recovered (" + state + ")");
            c.close();
            return;
        }
        closeConnections();
        synchronized (lock) {
            Arrays.fill(streams, null);
        }
        long[] absent = new long[(units.count() + 63) >>> 6];
        for (int p = 0; p < units.count(); p++) {
            if (!units.isPresent(p)) {
                absent[p >>> 6] |= 1L << p;
            }
        }
        control = c;
        try {
            c.send(Messages.recoverState(absent));
            for (int p : faults.pending()) {
                c.send(Messages.pageRequest(p));
            }
            if (pushRestSent) {
                c.send(Frame.empty(FrameType.PUSH_REST));
            }
            if (state == State.DONE) {
                c.send(stats().frame(FrameType.COMPLETE));
            }
        } catch (IOException e) {
            failed(c, e);
            return;
        }
        runControl(c);
    }

    // ---------------------------------------------------------------- failure

    private void failed(FrameConnection c, Exception e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        State s = state;
        if (s == State.POSTCOPY || s == State.DONE) {
            c.close();
            if (isCurrent(c)) {
                closeConnections();
            }
            return;
        }
        if (s == State.ABANDONED) {
            c.close();
            return;
        }
        state = State.ABANDONED;
        FrameConnection ctl = control;
        if (ctl != null) {
            ctl.sendErrorQuietly("target gave up: " + why);
        }
        closeConnections();
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            handler.abandoned(vm, why);
        } finally {
            runner.close();
            machine.close();
            onEnd.accept(this);
        }
    }

    /** True for the control connection or a page stream in use (not one replaced by a recovery). */
    private boolean isCurrent(FrameConnection c) {
        if (c == control) {
            return true;
        }
        synchronized (lock) {
            for (FrameConnection s : streams) {
                if (s == c) {
                    return true;
                }
            }
        }
        return false;
    }

    private void closeConnections() {
        FrameConnection ctl = control;
        if (ctl != null) {
            ctl.close();
        }
        synchronized (lock) {
            for (FrameConnection s : streams) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** Ends the migration from the host's side (receiver closing): fails it unless the VM runs here already. */
    public void shutdown() {
        if (state == State.RECEIVING || state == State.READY) {
            failed(control, new IOException("target receiver closed"));
        } else {
            closeConnections();
            if (faultSender != null) {
                faultSender.interrupt();
            }
        }
    }
}
