package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.linux.LinuxFixtures;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --deterministic} with the Linux guest across a live migration: a VM booting Linux (OpenSBI, kernel,
 * initramfs, with a virtio-blk disk, a virtio-net interface and virtio-rng), migrated mid-boot to another machine
 * with each strategy, reaches at {@link #LIMIT} instructions the state hash of a run that never migrated; its
 * console and its disk file match too.
 */
class LinuxTransparencyTest {

    /** Past "Run /init as init process": the kernel has bound its drivers and unpacked the initramfs. */
    static final long LIMIT = 135_000_000L;
    /** The migration starts once the source has run this far (the kernel is starting up). */
    static final long MIGRATE_FROM = 60_000_000L;
    static final String APPEND = "console=ttyS0 ferry.run=counter_0.05_0";

    @TempDir
    static Path dir;
    private static String referenceHash;
    private static String referenceConsole;
    private static Path referenceDisk;

    private static MachineConfig config(Path disk, OutputStream console) {
        return LinuxFixtures.config(true, APPEND, console).withDrives(LinuxFixtures.drive(disk))
                .withNics(LinuxFixtures.unpluggedNic()).withRng(true);
    }

    @BeforeAll
    static void reference() throws Exception {
        referenceDisk = LinuxFixtures.emptyDisk(dir.resolve("reference.img"), 8);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        VirtMachine m = LinuxFixtures.boot(config(referenceDisk, console));
        m.run(LIMIT);
        assertThat(m.instructions()).isEqualTo(LIMIT);
        referenceHash = m.stateHash();
        m.close();
        referenceConsole = console.toString(StandardCharsets.UTF_8);
        assertThat(referenceConsole).contains("Unpacking initramfs...", "Run /init as init process");
    }

    @AfterAll
    static void forget() {
        referenceHash = null;
    }

    /** A receiving host that keeps each arriving VM's console. */
    private static final class RecordingHost extends Harness.Host {
        final ByteArrayOutputStream console = new ByteArrayOutputStream();

        RecordingHost() throws Exception {
        }

        @Override
        public OutputStream consoleFor(VmDescriptor vm) {
            return console;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Strategy.class)
    @Timeout(900)
    void migratedMidBootReachesTheUnmigratedState(Strategy strategy) throws Exception {
        Path disk = LinuxFixtures.emptyDisk(dir.resolve(strategy + ".img"), 8);
        ByteArrayOutputStream sourceConsole = new ByteArrayOutputStream();
        MachineConfig config = config(disk, sourceConsole);
        VirtMachine machine = LinuxFixtures.boot(config);
        try (RecordingHost target = new RecordingHost()) {
            VmRunner vm = new VmRunner(machine, "linux", LIMIT);
            vm.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (machine.instructions() < MIGRATE_FROM && vm.state() == VmRunner.RunState.RUNNING) {
                assertThat(System.nanoTime()).as("the source reaches %,d instructions", MIGRATE_FROM)
                        .isLessThan(deadline);
                Thread.sleep(5);
            }
            Options o = Options.of(strategy);
            if (strategy == Strategy.PRECOPY || strategy == Strategy.HYBRID) {
                o.maxDowntime = 0;
                o.maxRounds = 3;
                o.precopyRounds = 2;
            }
            VmDescriptor d = VmDescriptor.of("linux", config, LIMIT, "linux");
            MigrationReport report = new MigrationSource("lt-" + strategy, vm, d, target.endpoint(), Harness.SECRET,
                    o.build()).start().get(600, TimeUnit.SECONDS);
            long at = machine.instructions();
            System.out.printf("Linux %-9s source stopped at %,d: %s, %.1f ms, downtime %.1f ms, %d rounds, %,d bytes%n",
                    strategy, at, report.success() ? "ok" : report.error(), report.totalTimeMs(), report.downtimeMs(),
                    report.rounds().size(), report.bytesOnWire());
            assertThat(report.success()).as("migration: %s (target: %s)", report.error(), target.abandoned).isTrue();
            assertThat(at).as("migrated mid-run").isLessThan(LIMIT);
            vm.close();
            VmRunner arrived = target.awaitArrival();
            assertThat(arrived.machine().disks()).as("the target has the disk").hasSize(1);
            String hash = hashAtLimit(arrived);
            arrived.close();
            assertThat(hash).as("state hash at %,d after a %s migration at %,d", LIMIT, strategy, at)
                    .isEqualTo(referenceHash);
            assertThat(sourceConsole.toString(StandardCharsets.UTF_8) + target.console.toString(StandardCharsets.UTF_8))
                    .as("console before and after the migration").isEqualTo(referenceConsole);
            assertThat(Files.mismatch(disk, referenceDisk)).as("disk file").isEqualTo(-1L);
        } finally {
            machine.close();
        }
    }

    /** {@link Harness#hashAtLimit} with room for a slow vCPU: Linux runs at a few MIPS in the interpreter. */
    private static String hashAtLimit(VmRunner r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (r.state() != VmRunner.RunState.LIMIT_REACHED) {
            assertThat(r.state()).as("VM state").isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.PAUSED,
                    VmRunner.RunState.LIMIT_REACHED);
            assertThat(System.nanoTime()).as("the VM reaches its limit in time").isLessThan(deadline);
            Thread.sleep(5);
        }
        return r.machine().stateHash();
    }
}
