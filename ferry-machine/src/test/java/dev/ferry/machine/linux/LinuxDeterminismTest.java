package dev.ferry.machine.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --deterministic} with the Linux guest: after {@link #N} instructions (OpenSBI, the kernel's start-up, the
 * virtio-blk, virtio-net, virtio-rng and RTC drivers bound, the initramfs unpacked and {@code /init} started) the
 * state hash of a run saved midway and restored into a new machine, with the same disk, equals the straight run's.
 * The disk file is compared too: a restored run must write the same blocks.
 */
class LinuxDeterminismTest {

    /** Where the comparison happens: just past "Run /init as init process" (about 127 M on this guest). */
    static final long N = 135_000_000L;
    /** Where the first run is saved: mid-way through the kernel's start-up. */
    static final long SAVE_AT = 61_000_003L;
    static final String APPEND = "console=ttyS0 ferry.run=counter_0.05_0";

    @TempDir
    Path dir;

    private static MachineConfig config(Path disk, ByteArrayOutputStream console) {
        return LinuxFixtures.config(true, APPEND, console).withDrives(LinuxFixtures.drive(disk))
                .withNics(LinuxFixtures.unpluggedNic()).withRng(true);
    }

    @Test
    @Timeout(600)
    void savedAndRestoredMidwayReachesTheStraightRunsState() throws Exception {
        Path straightDisk = LinuxFixtures.emptyDisk(dir.resolve("straight.img"), 8);
        ByteArrayOutputStream straightConsole = new ByteArrayOutputStream();
        VirtMachine straight = LinuxFixtures.boot(config(straightDisk, straightConsole));
        straight.run(N);
        assertThat(straight.instructions()).isEqualTo(N);
        String expected = straight.stateHash();
        straight.close();
        String console = straightConsole.toString(StandardCharsets.UTF_8);
        assertThat(console).as("the kernel unpacked the initramfs and started /init by %,d instructions", N)
                .contains("Unpacking initramfs...", "virtio_blk virtio", "Run /init as init process");

        Path disk = LinuxFixtures.emptyDisk(dir.resolve("saved.img"), 8);
        ByteArrayOutputStream firstConsole = new ByteArrayOutputStream();
        VirtMachine first = LinuxFixtures.boot(config(disk, firstConsole));
        first.run(SAVE_AT);
        assertThat(first.instructions()).isEqualTo(SAVE_AT);
        String atSave = first.stateHash();
        Path state = dir.resolve("linux.state");
        first.saveState(state);
        first.close();

        ByteArrayOutputStream secondConsole = new ByteArrayOutputStream();
        VirtMachine second = VirtMachine.fromStateFile(state, secondConsole, LinuxFixtures.drive(disk),
                LinuxFixtures.unpluggedNic());
        assertThat(second.stateHash()).as("hash right after restore").isEqualTo(atSave);
        second.run(N);
        assertThat(second.instructions()).isEqualTo(N);
        assertThat(second.stateHash()).as("hash at %,d after a save and restore at %,d", N, SAVE_AT)
                .isEqualTo(expected);
        second.close();
        assertThat(atSave).as("the machine moved on after the save").isNotEqualTo(expected);
        assertThat(firstConsole.toString(StandardCharsets.UTF_8) + secondConsole.toString(StandardCharsets.UTF_8))
                .as("console of the saved and restored run").isEqualTo(console);
        assertThat(Files.mismatch(disk, straightDisk)).as("the disks hold the same bytes").isEqualTo(-1L);
    }

    @Test
    @Timeout(300)
    void oneInstructionMoreChangesTheHash() throws Exception {
        long at = 20_000_000L;
        VirtMachine a = LinuxFixtures.boot(config(LinuxFixtures.emptyDisk(dir.resolve("a.img"), 8),
                new ByteArrayOutputStream()));
        a.run(at);
        VirtMachine b = LinuxFixtures.boot(config(LinuxFixtures.emptyDisk(dir.resolve("b.img"), 8),
                new ByteArrayOutputStream()));
        b.run(at / 3);
        b.run(at);
        assertThat(b.stateHash()).as("slicing a run does not change its state").isEqualTo(a.stateHash());
        b.run(at + 1);
        assertThat(b.stateHash()).as("one more instruction does").isNotEqualTo(a.stateHash());
        a.close();
        b.close();
    }
}
