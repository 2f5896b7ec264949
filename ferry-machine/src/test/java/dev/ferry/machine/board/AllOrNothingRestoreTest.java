package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.UartState;
import dev.ferry.machine.device.virtio.VirtioBalloonState;
import dev.ferry.machine.device.virtio.VirtioMmioState;
import dev.ferry.machine.state.FixedRoster;
import dev.ferry.machine.state.LoadedState;
import dev.ferry.machine.state.MachineStateFile;
import dev.ferry.machine.state.StateFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Restoring is all or nothing: a component set or state file with one record its component rejects — even the
 * last one in roster order — leaves a machine exactly as it was, memory included, and it runs on to the state
 * of a machine that was never touched.
 */
class AllOrNothingRestoreTest {

    private static final long RAM = 16L << 20;
    private static final String ARGS = "size=1M passes=0 reread=2";
    private static final long LIMIT = 6_000_000L;

    @TempDir
    Path dir;

    private static VirtMachine boot() {
        VirtMachine m = new VirtMachine(new MachineConfig(RAM, true, ARGS, new ByteArrayOutputStream())
                .withBalloon(true));
        try {
            m.boot(GuestFixtures.image("balloon"));
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return m;
    }

    /** The donor's component states with component {@code id} replaced by a record that decodes but is invalid. */
    private static Map<String, Record> withInvalid(Map<String, Record> states, String id) {
        Map<String, Record> out = new LinkedHashMap<>(states);
        Record bad = switch (out.get(id)) {
            case PlicState p -> {
                int[] priority = p.priority().clone();
                priority[1] = 8;
                yield new PlicState(priority, p.pending(), p.claimed(), p.enable(), p.threshold());
            }
            case UartState u -> new UartState(0x10, u.lcr(), u.mcr(), u.lsr(), u.msr(), u.scr(), u.fcr(),
                    u.divider(), u.rbr(), u.thrInterrupt(), u.rxFifo(), u.hostInput());
            case VirtioBalloonState b -> {
                VirtioMmioState t = b.transport();
                yield new VirtioBalloonState(new VirtioMmioState(t.hostFeaturesSel(), t.guestFeaturesSel(),
                        1L << 40, t.guestPageShift(), t.queueSel(), t.status(), t.interruptStatus(), t.broken(),
                        t.queues()), b.numPages(), b.actual(), b.poisonValue());
            }
            default -> throw new IllegalArgumentException(id);
        };
        out.put(id, bad);
        return out;
    }

    private static void await(VmRunner r, String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            assertThat(r.state()).as("VM state").isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);
            Thread.sleep(1);
        }
    }

    @ParameterizedTest(name = "invalid {0}")
    @ValueSource(strings = {"plic", "uart0", "virtio_mmio@10008000"})
    void invalidLaterComponentLeavesAPausedMachineAsItWas(String invalid) throws Exception {
        VirtMachine reference = boot();
        reference.run(LIMIT);
        assertThat(reference.instructions()).isEqualTo(LIMIT);

        VirtMachine donor = boot();
        donor.run(1_000_000);
        Map<String, Record> bad = withInvalid(donor.componentStates(), invalid);
        assertThat(bad.keySet()).as("roster order").containsExactly("board", "cpu", "clint", "plic", "uart0",
                VirtMachine.RTC, VirtMachine.BALLOON);
        donor.memory().store64(VirtMachine.RAM_BASE + RAM - 4096, 0x5eed_f00dL);
        Path file = dir.resolve("bad.state");
        MachineStateFile.write(file, FixedRoster.of(bad), donor.memory());

        try (VmRunner vm = new VmRunner(boot(), "vm", LIMIT)) {
            vm.start();
            await(vm, "VM runs past 2M instructions", () -> vm.machine().instructions() >= 2_000_000);
            vm.pause();
            VirtMachine m = vm.machine();
            String before = m.stateHash();

            assertThatThrownBy(() -> m.restoreComponents(bad)).isInstanceOf(StateFormatException.class)
                    .hasMessageStartingWith("component '" + invalid + "': ");
            assertThat(m.stateHash()).as("hash after a refused component set").isEqualTo(before);

            LoadedState loaded = MachineStateFile.read(file);
            assertThatThrownBy(() -> m.restoreState(loaded)).isInstanceOf(StateFormatException.class)
                    .hasMessageStartingWith("component '" + invalid + "': ");
            assertThat(m.stateHash()).as("hash after a refused state file (memory included)").isEqualTo(before);
            assertThatThrownBy(() -> VirtMachine.fromStateFile(file, new ByteArrayOutputStream()))
                    .isInstanceOf(StateFormatException.class);

            vm.resume();
            await(vm, "VM reaches its limit", () -> vm.state() == VmRunner.RunState.LIMIT_REACHED);
            assertThat(m.stateHash()).as("the machine runs on as if untouched").isEqualTo(reference.stateHash());
        }
    }

    @Test
    void validSetIsRestoredCompletely() throws Exception {
        VirtMachine donor = boot();
        donor.run(1_500_000);
        VirtMachine m = boot();
        m.run(700_000);
        m.restoreComponents(donor.componentStates());
        assertThat(m.componentStates().keySet()).containsExactlyElementsOf(donor.componentStates().keySet());
        assertThat(FixedRoster.of(m.componentStates()).encode()).usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(donor.roster().encode());
    }

    @Test
    void version1FileNamedTheBalloonDifferently() throws Exception {
        VirtMachine m = boot();
        m.run(1_200_000);
        Map<String, Record> old = new LinkedHashMap<>();
        m.componentStates().forEach((id, state) -> old.put(id.equals(VirtMachine.BALLOON) ? "balloon" : id, state));
        Path file = dir.resolve("v1.state");
        MachineStateFile.write(file, FixedRoster.of(old), m.memory());
        assertThatThrownBy(() -> VirtMachine.fromStateFile(file, new ByteArrayOutputStream()))
                .as("in version 2 'balloon' is no id of this machine")
                .hasMessage("state has a component 'balloon' that this machine lacks");

        byte[] bytes = Files.readAllBytes(file);
        bytes[7] = 1;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        Files.write(file, bytes);
        assertThat(MachineStateFile.read(file).componentNames()).contains(VirtMachine.BALLOON)
                .doesNotContain("balloon");
        VirtMachine restored = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
        assertThat(restored.balloon()).isNotNull();
        assertThat(restored.stateHash()).isEqualTo(m.stateHash());
        assertThat(MachineStateFile.read(file).stateHash()).isEqualTo(m.stateHash());
    }
}
