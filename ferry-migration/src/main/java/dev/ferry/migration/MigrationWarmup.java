package dev.ferry.migration;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.state.StateFormatException;
import dev.ferry.migration.wire.FrameCipher;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a few migrations of a tiny private VM over loopback inside this process, then the device-state codec a few
 * thousand times, so that the first real migrations do not pay for loading, initialising and interpreting the
 * switchover path (record codecs, frame handling, the receiver): measured cold, that cost 20-60 ms of one
 * migration's downtime, and the interpreted codec another millisecond of every early one. The last round of
 * migrations is encrypted, and the frame cipher then runs until it is compiled. The VMs, the receiver
 * and the secret exist only for the warm-up and are discarded; nothing is visible to the host's users.
 */
public final class MigrationWarmup {

    private static final long RAM = 2L << 20;
    private static final List<Strategy> STRATEGIES = List.of(Strategy.STOPCOPY, Strategy.PRECOPY, Strategy.POSTCOPY);
    private static final int ROUNDS = 3;
    private static final int CODEC_ROUNDS = 3_000;
    private static final int CIPHER_FRAMES = 2_000;
    /** {@code jal x0, 0}. */
    private static final int JUMP_TO_SELF = 0x0000006f;

    private MigrationWarmup() {
    }

    /** Starts the warm-up on a daemon thread; {@code log} hears one line if it fails. */
    public static void startInBackground(Consumer<String> log) {
        Thread t = new Thread(() -> {
            try {
                run();
            } catch (Exception | LinkageError e) {
                log.accept("migration warm-up skipped: " + e);
            }
        }, "ferry-migration-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** Runs the warm-up migrations, then the device-state codec until it is compiled, on this thread. */
    public static void run() throws Exception {
        migrations();
        deviceStateCodec();
        FrameCipher.warmUp(CIPHER_FRAMES);
    }

    /**
     * Encodes, checks and restores a machine's component records until the JIT has compiled the generic record
     * codec: it runs once per migration, always on the switchover's critical path, and interpreted it costs a
     * millisecond or more of downtime.
     */
    private static void deviceStateCodec() throws StateFormatException {
        VirtMachine a = new VirtMachine(new MachineConfig(RAM, true, "", OutputStream.nullOutputStream()));
        VirtMachine b = new VirtMachine(new MachineConfig(RAM, true, "", OutputStream.nullOutputStream()));
        try {
            for (int i = 0; i < CODEC_ROUNDS; i++) {
                b.restoreComponents(b.roster().check(a.roster().encode()));
            }
        } finally {
            a.close();
            b.close();
        }
    }

    private static void migrations() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Discard target = new Discard();
        try (MigrationReceiver receiver = new MigrationReceiver(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), secret, target)) {
            int n = 0;
            for (int i = 0; i < ROUNDS; i++) {
                for (Strategy s : STRATEGIES) {
                    VmRunner vm = tinyVm("warmup-" + n);
                    try {
                        MigrationSource source = new MigrationSource("warmup-" + n, vm,
                                new VmDescriptor(vm.name(), RAM, true, vm.instructionLimit()), receiver.endpoint(),
                                secret, MigrationOptions.defaults(s));
                        if (i == ROUNDS - 1) {
                            source.encryption(EncryptionPolicy.of(EncryptionMode.ALWAYS));
                        }
                        source.start().get(30, TimeUnit.SECONDS);
                    } finally {
                        vm.close();
                        vm.machine().close();
                    }
                    n++;
                }
            }
        }
    }

    /**
     * A deterministic VM with a few written pages whose first instruction jumps to itself, so it parks at its
     * limit of a thousand instructions.
     */
    private static VmRunner tinyVm(String name) throws InterruptedException {
        VirtMachine m = new VirtMachine(new MachineConfig(RAM, true, "", OutputStream.nullOutputStream()));
        byte[] data = new byte[64];
        for (int p = 1; p < 16; p++) {
            data[0] = (byte) p;
            m.memory().writeBytes(VirtMachine.RAM_BASE + ((long) p << 12), data, 0, data.length);
        }
        m.memory().store32(VirtMachine.RAM_BASE, JUMP_TO_SELF);
        m.cpu().reset(VirtMachine.RAM_BASE);
        VmRunner r = new VmRunner(m, name, 1_000);
        r.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (r.state() == VmRunner.RunState.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return r;
    }

    /** Takes in the warm-up VMs and shuts them down. */
    private static final class Discard implements IncomingVmHandler {

        @Override
        public boolean canAccept(VmDescriptor vm) {
            return true;
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void arrived(VmDescriptor vm, VmRunner runner) {
            runner.close();
        }
    }
}
