package dev.ferry.migration;


import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.state.EncodedComponent;
import dev.ferry.machine.state.RecordCodec;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.Messages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import static org.assertj.core.api.Assertions.assertThat;

/** Shared pieces of the migration tests: deterministic guests, reference hashes, a recording host handler. */
final class Harness {

    static final byte[] SECRET = "test secret".getBytes(StandardCharsets.UTF_8);
    static final long RAM = 32L << 20;
    private static final Map<String, String> REFERENCE = new ConcurrentHashMap<>();

    private Harness() {
    }

    /** A guest to migrate and its instruction limit. */
    record Guest(String image, String args, long limit) {

        VmDescriptor descriptor(String name) {
            return new VmDescriptor(name, RAM, true, limit);
        }

        /** Boots and starts the guest towards its limit; returns a third of the way there (at most 20 M instructions). */
        VmRunner start(String name) throws InterruptedException {
            VirtMachine m = GuestFixtures.boot(image, args, RAM, true, new ByteArrayOutputStream());
            VmRunner r = new VmRunner(m, name, limit);
            r.start();
            while (m.instructions() < Math.min(limit / 3, 20_000_000L) && r.state() == VmRunner.RunState.RUNNING) {
                Thread.sleep(2);
            }
            return r;
        }

        /** State hash at the limit of a run that never migrated (computed once per guest). */
        String reference() {
            return REFERENCE.computeIfAbsent(image + "|" + args + "|" + limit, k -> {
                VirtMachine m = GuestFixtures.boot(image, args, RAM, true, new ByteArrayOutputStream());
                m.run(limit);
                assertThat(m.instructions()).as("reference run reaches its limit").isEqualTo(limit);
                return m.stateHash();
            });
        }
    }

    /** munch dirtying a 4 MiB working set forever. */
    static final Guest MUNCH = new Guest("munch", "wss=4M passes=0", 60_000_000L);
    /** munch over 2 MiB, writing a word every 512 bytes (many writes per page). */
    static final Guest MUNCH_DENSE = new Guest("munch", "wss=2M passes=0 stride=512", 60_000_000L);
    /** Touches 2 MiB, then waits in WFI with the timer off. */
    static final Guest IDLE = new Guest("idle", "touch=2M sleep=0", 20_000_000L);
    /** A periodic timer interrupt. */
    static final Guest TIMER = new Guest("timer", "hz=1000 ticks=1000000", 30_000_000L);
    /** SPEC-like kernels (compression, sort). */
    static final Guest SPEC = new Guest("spec", "kernel=all size=2M iters=1000", 60_000_000L);

    /** Waits until the VM parks at its limit and returns its state hash. */
    static String hashAtLimit(VmRunner r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (r.state() != VmRunner.RunState.LIMIT_REACHED) {
            assertThat(r.state()).as("VM state").isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.PAUSED,
                    VmRunner.RunState.LIMIT_REACHED);
            assertThat(System.nanoTime() - deadline).as("VM reaches its limit in time").isNegative();
            Thread.sleep(5);
        }
        return r.machine().stateHash();
    }

    /** A DEVICE_STATE frame with every component of {@code machine}, as a source sends it. */
    static Frame deviceState(VirtMachine machine) {
        List<Messages.Component> list = new ArrayList<>();
        for (EncodedComponent c : machine.roster().encode()) {
            list.add(new Messages.Component(c.id(), c.type(), c.fingerprint(), c.data()));
        }
        return Messages.deviceState(list);
    }

    /**
     * {@code deviceState} with the PLIC's record replaced by one that decodes but that the PLIC rejects: source 1
     * at priority 8 (the PLIC has 0 to 7).
     */
    static Frame withInvalidPlic(Frame deviceState) {
        try {
            List<Messages.Component> out = new ArrayList<>();
            for (Messages.Component c : Messages.deviceState(deviceState)) {
                if (c.name().equals("plic")) {
                    PlicState p = RecordCodec.decode(c.data(), PlicState.class);
                    int[] priority = p.priority().clone();
                    priority[1] = 8;
                    c = new Messages.Component(c.name(), c.type(), c.fingerprint(), RecordCodec.encode(
                            new PlicState(priority, p.pending(), p.claimed(), p.enable(), p.threshold())));
                }
                out.add(c);
            }
            return Messages.deviceState(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Host side of a receiver for tests: records what arrives (with its console history) and what was abandoned. */
    static class Host implements IncomingVmHandler, AutoCloseable {
        final LinkedBlockingQueue<VmRunner> arrived = new LinkedBlockingQueue<>();
        final List<VmDescriptor> descriptors = new CopyOnWriteArrayList<>();
        final List<ConsoleHistory> histories = new CopyOnWriteArrayList<>();
        final List<String> abandoned = new CopyOnWriteArrayList<>();
        /** What the receiver logged. */
        final List<String> log = new CopyOnWriteArrayList<>();
        final MigrationReceiver receiver;

        Host() throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), SECRET, this);
        }

        /** A receiver speaking at most protocol {@code maxVersion}. */
        Host(int maxVersion) throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), SECRET, this, maxVersion);
        }

        Host(byte[] secret) throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), secret, this);
        }

        /** A receiver with these limits, logging into {@link #log}. */
        Host(ReceiverLimits limits) throws Exception {
            receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0), SECRET, this, limits, log::add);
        }

        InetSocketAddress endpoint() {
            return receiver.endpoint();
        }

        @Override
        public boolean canAccept(VmDescriptor vm) {
            return true;
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            return new ByteArrayOutputStream();
        }

        @Override
        public void consoleHistory(VmDescriptor vm, ConsoleHistory history) {
            histories.add(history);
        }

        @Override
        public void arrived(VmDescriptor vm, VmRunner runner) {
            descriptors.add(vm);
            arrived.add(runner);
        }

        @Override
        public void abandoned(VmDescriptor vm, String reason) {
            abandoned.add(reason);
        }

        VmRunner awaitArrival() throws InterruptedException {
            VmRunner r = arrived.poll(60, TimeUnit.SECONDS);
            assertThat(r).as("VM arrived on the target").isNotNull();
            return r;
        }

        @Override
        public void close() {
            receiver.close();
            VmRunner r;
            while ((r = arrived.poll()) != null) {
                r.close();
            }
        }
    }

    /** Migrates {@code vm} to {@code to} and waits for the report. */
    static MigrationReport migrate(String id, VmRunner vm, Guest g, InetSocketAddress to, MigrationOptions o)
            throws Exception {
        VmDescriptor d = new VmDescriptor(vm.name(), RAM, true, g.limit(), vm.machine().config().balloon());
        MigrationSource src = new MigrationSource(id, vm, d, to, SECRET, o);
        return src.start().get(120, TimeUnit.SECONDS);
    }

    static CompletableFuture<MigrationReport> start(MigrationSource s) {
        return s.start();
    }
}
