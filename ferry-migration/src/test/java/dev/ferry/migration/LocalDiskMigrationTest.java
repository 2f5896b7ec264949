package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.MovableDisk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A VM's local disk moves with it in the migration stream: while a writer keeps writing to the disk as the guest
 * would (on the vCPU thread, so only while the VM runs), every strategy leaves the target's disk file equal to
 * what the source's disk held when the VM stopped there — a block dirtied after it was sent goes again, or is
 * pulled after switchover. The target's post-copy reads wait for the blocks they need.
 */
class LocalDiskMigrationTest {

    private static final int BLOCK = MovableDisk.BLOCK_SIZE;
    private static final long DISK = 8L << 20;

    @TempDir
    Path tmp;

    /** A receiver that creates copied disks as empty files in its own directory. */
    private static final class DiskHost extends Harness.Host {
        final Path dir;
        final AtomicInteger created = new AtomicInteger();

        DiskHost(Path dir) throws Exception {
            this.dir = dir;
        }

        @Override
        public DriveConfig createLocalDisk(VmDescriptor vm, int index, DriveConfig source, long size)
                throws IOException {
            Files.createDirectories(dir);
            Path f = dir.resolve(vm.name() + "-" + index + "-" + created.incrementAndGet() + ".img");
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(size);
            }
            return new DriveConfig(f, "raw", false);
        }
    }

    private Path patternDisk(long seed) throws IOException {
        Path f = tmp.resolve("source-" + seed + ".img");
        byte[] data = new byte[(int) (DISK / 2)];
        new Random(seed).nextBytes(data);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(DISK);
            raf.write(data);
        }
        return f;
    }

    private static VmRunner start(String name, Path disk) throws InterruptedException {
        MachineConfig config = new MachineConfig(Harness.RAM, false, Harness.MUNCH.args(), new ByteArrayOutputStream())
                .withDrives(List.of(new DriveConfig(disk, "raw", false)));
        VirtMachine m = new VirtMachine(config);
        try {
            m.boot(GuestFixtures.image(Harness.MUNCH.image()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        VmRunner r = new VmRunner(m, name, Long.MAX_VALUE);
        r.start();
        while (m.instructions() < 5_000_000L) {
            Thread.sleep(2);
        }
        return r;
    }

    /**
     * Writes random sectors to the VM's disk on its vCPU thread, as the guest's driver would, until stopped: a
     * write is done only while the vCPU runs (at a safepoint), never into a paused VM.
     */
    private static final class Writer implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger writes = new AtomicInteger();
        private final CompletableFuture<Void> done;

        Writer(VmRunner vm, long seed) {
            MovableDisk disk = vm.machine().movableDisks().get(0);
            done = CompletableFuture.runAsync(() -> {
                Random rnd = new Random(seed);
                Thread me = Thread.currentThread();
                while (!stop.get() && vm.state() != VmRunner.RunState.CLOSED) {
                    int sectors = 1 + rnd.nextInt(16);
                    long offset = (long) rnd.nextInt((int) (DISK / 512) - sectors) * 512;
                    byte[] data = new byte[sectors * 512];
                    rnd.nextBytes(data);
                    boolean zero = rnd.nextInt(8) == 0;
                    vm.atSafepoint(() -> {
                        if (Thread.currentThread() == me) {
                            return false;
                        }
                        try {
                            if (zero) {
                                disk.writeZeroes(offset, data.length);
                            } else {
                                disk.write(offset, data, 0, data.length);
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        writes.incrementAndGet();
                        return true;
                    });
                    try {
                        Thread.sleep(0, 200_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            done.get(30, TimeUnit.SECONDS);
        }
    }

    private static MigrationReport migrate(VmRunner vm, Harness.Host to, MigrationOptions o) throws Exception {
        VmDescriptor d = VmDescriptor.of(vm.name(), vm.machine().config(), Long.MAX_VALUE, Harness.MUNCH.image());
        return new MigrationSource("m-" + o.strategy(), vm, d, to.endpoint(), Harness.SECRET, o).start()
                .get(120, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void theTargetsDiskEqualsTheSourcesAtTheSwitchoverWhileTheGuestWrites(Strategy s) throws Exception {
        Path disk = patternDisk(s.ordinal());
        Options opts = Options.of(s);
        opts.demandIdlePush = 200;
        MigrationOptions o = opts.build().withCopyDisks(true);
        try (DiskHost target = new DiskHost(tmp.resolve("target-" + s))) {
            VmRunner vm = start("vm", disk);
            MigrationReport r;
            int writes;
            try (Writer w = new Writer(vm, 42 + s.ordinal())) {
                Thread.sleep(100);
                r = migrate(vm, target, o);
                writes = w.writes.get();
            }
            assertThat(r.success()).as(r.error() + " " + r.notes()).isTrue();
            assertThat(writes).as("the writer wrote while the VM ran").isPositive();
            VmRunner arrived = target.awaitArrival();
            try {
                assertThat(r.disk().blocks()).as("every block of the 8 MiB disk went at least once")
                        .isGreaterThanOrEqualTo(DISK / BLOCK);
                assertThat(r.disk().rounds()).isPositive();
                assertThat(r.notes()).anyMatch(n -> n.contains("copying 1 disk"));
                Path copy = Path.of(target.descriptors.get(0).drives().get(0).source());
                assertThat(copy).isNotEqualTo(disk).startsWith(target.dir);
                awaitAllBlocks(arrived.machine().movableDisks().get(0));
                arrived.machine().movableDisks().get(0).flush();
                assertThat(Files.mismatch(disk, copy)).as("first byte where the disks differ").isEqualTo(-1);
            } finally {
                arrived.close();
                vm.close();
            }
        }
    }

    @Test
    void postCopyReadsOnTheTargetWaitForTheBlocksTheyNeed() throws Exception {
        Path disk = patternDisk(99);
        Options opts = Options.of(Strategy.DEMAND);
        opts.demandIdlePush = 3_600_000;
        MigrationOptions o = opts.build().withCopyDisks(true);
        byte[] expected = Files.readAllBytes(disk);
        try (DiskHost target = new DiskHost(tmp.resolve("target"))) {
            VmRunner vm = start("vm", disk);
            MigrationSource src = new MigrationSource("m-demand", vm,
                    VmDescriptor.of(vm.name(), vm.machine().config(), Long.MAX_VALUE, "munch"), target.endpoint(),
                    Harness.SECRET, o);
            CompletableFuture<MigrationReport> report = src.start();
            VmRunner arrived = target.awaitArrival();
            try {
                MovableDisk there = arrived.machine().movableDisks().get(0);
                assertThat(there.absentBlocks()).as("blocks not pulled yet").isGreaterThan(1000);
                byte[] got = new byte[3 * BLOCK];
                there.read(123L * BLOCK + 512, got, 0, got.length);
                assertThat(got).isEqualTo(Arrays.copyOfRange(expected, 123 * BLOCK + 512,
                        123 * BLOCK + 512 + got.length));
                assertThat(there.absentBlocks()).as("the read pulled only what it needed, and a few neighbours")
                        .isGreaterThan(1000);
                src.pushRemaining();
                MigrationReport r = report.get(60, TimeUnit.SECONDS);
                assertThat(r.success()).as(r.error()).isTrue();
                assertThat(r.postcopyFaults()).isPositive();
            } finally {
                arrived.close();
                vm.close();
            }
        }
    }

    @Test
    void aTargetThatCannotCreateTheDiskRefusesAndTheVmKeepsRunning() throws Exception {
        Path disk = patternDisk(7);
        try (Harness.Host target = new Harness.Host()) {
            VmRunner vm = start("vm", disk);
            try {
                MigrationReport r = migrate(vm, target, MigrationOptions.defaults(Strategy.PRECOPY)
                        .withCopyDisks(true));
                assertThat(r.success()).isFalse();
                assertThat(r.error()).contains("does not take copied disks");
                assertThat(vm.state()).isEqualTo(VmRunner.RunState.RUNNING);
                assertThat(target.abandoned).isNotEmpty();
            } finally {
                vm.close();
            }
        }
    }

    private static void awaitAllBlocks(MovableDisk d) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (d.absentBlocks() > 0) {
            assertThat(System.nanoTime()).as("every block arrives").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
