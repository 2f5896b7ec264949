package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.state.MachineStateFile;
import dev.ferry.machine.state.StateFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Deterministic mode and state save/restore: the state after N instructions is a pure function of the image and
 * N, and a run restored from a save at N reaches the same state at M as an uninterrupted run to M.
 */
class SnapshotDeterminismTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}: save at {2}, compare at {3}")
    @CsvSource(delimiter = ';', value = {
        "munch; wss=2M passes=0; 3000000; 9000000",
        "timer; hz=1000 ticks=1000; 1234567; 4000000",
        "spec; kernel=all; 2500001; 6000000",
        "idle; touch=1M sleep=500; 700000; 1500000",
        "cpu; ; 1000003; 3000000",
        "fp-printf; ; 300001; 1000000",
        "fp-fuzz; n=3000; 3000001; 8000000",
        "isa-sv39; ; 400001; 1100000",
        "isa-sv39; ; 777777; 1150000",
    })
    void restoredRunMatchesUninterruptedRun(String image, String args, long saveAt, long compareAt)
            throws IOException {
        VirtMachine straight = GuestFixtures.bootDeterministic(image, args == null ? "" : args);
        straight.run(compareAt);
        assertThat(straight.instructions()).isEqualTo(compareAt);
        String expected = straight.stateHash();

        VirtMachine first = GuestFixtures.bootDeterministic(image, args == null ? "" : args);
        first.run(saveAt);
        assertThat(first.instructions()).isEqualTo(saveAt);
        String atSave = first.stateHash();
        Path file = dir.resolve("vm.state");
        first.saveState(file);

        VirtMachine second = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
        assertThat(second.stateHash()).as("hash right after restore").isEqualTo(atSave);
        second.run(compareAt);
        assertThat(second.stateHash()).as("hash at %d after restore at %d", compareAt, saveAt).isEqualTo(expected);
        assertThat(atSave).as("the machine actually moved on").isNotEqualTo(expected);
    }

    @Test
    void sameImageAndCountGiveSameHashAndSlicingDoesNotMatter() {
        VirtMachine a = GuestFixtures.bootDeterministic("timer", "hz=500 ticks=100");
        a.run(2_000_000);
        VirtMachine b = GuestFixtures.bootDeterministic("timer", "hz=500 ticks=100");
        for (long n = 99_991; n < 2_000_000; n += 99_991) {
            b.run(n);
        }
        b.run(2_000_000);
        assertThat(b.stateHash()).isEqualTo(a.stateHash());
        VirtMachine c = GuestFixtures.bootDeterministic("timer", "hz=500 ticks=100");
        c.run(2_000_001);
        assertThat(c.stateHash()).as("one more instruction changes the state").isNotEqualTo(a.stateHash());
    }

    @Test
    void corruptStateFileIsRejected() throws IOException {
        VirtMachine m = GuestFixtures.bootDeterministic("munch", "wss=1M passes=0");
        m.run(500_000);
        Path file = dir.resolve("vm.state");
        m.saveState(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
        assertThatThrownBy(() -> VirtMachine.fromStateFile(file, new ByteArrayOutputStream()))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("checksum");
    }

    @Test
    void mismatchedStateLeavesTheMachineUntouched() throws IOException {
        VirtMachine small = GuestFixtures.boot("munch", "wss=1M passes=0", 32L << 20, true,
                new ByteArrayOutputStream());
        small.run(400_000);
        Path file = dir.resolve("small.state");
        small.saveState(file);
        VirtMachine target = GuestFixtures.bootDeterministic("munch", "wss=1M passes=0");
        target.run(300_000);
        String before = target.stateHash();
        assertThatThrownBy(() -> target.restoreState(MachineStateFile.read(file)))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("RAM");
        assertThat(target.stateHash()).isEqualTo(before);
        target.run(310_000);
        assertThat(target.instructions()).isEqualTo(310_000);
    }
}
