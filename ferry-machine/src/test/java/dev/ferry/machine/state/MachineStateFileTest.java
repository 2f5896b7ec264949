package dev.ferry.machine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.Clint;
import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.device.Plic;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.TestFinisherState;
import dev.ferry.machine.device.Uart16550;
import dev.ferry.machine.device.UartState;
import dev.ferry.machine.device.VirtioMmioSlotState;
import dev.ferry.machine.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineStateFileTest {

    private static final long RAM_BASE = 0x8000_0000L;
    private static final int PAGE = GuestMemory.PAGE_SIZE;

    record Cpu(long pc, long[] regs, String mode) {
    }

    record Other(int value) {
    }

    @TempDir
    Path dir;

    private static Map<String, Record> components() {
        Uart16550 uart = new Uart16550(b -> { }, h -> { });
        uart.write(3, 1, 0x03);
        uart.receive((byte) 'x');
        Plic plic = new Plic((bit, level) -> { });
        plic.write(40, 4, 7);
        plic.setSourceLevel(10, true);
        Clint clint = new Clint(() -> 0, (bit, level) -> { });
        clint.write(0x4000, 8, 0x1234_5678_9abcL);
        Map<String, Record> c = new LinkedHashMap<>();
        c.put("uart0", uart.saveState());
        c.put("plic", plic.saveState());
        c.put("clint", clint.saveState());
        c.put("finisher", new TestFinisherState());
        c.put("virtio0", new VirtioMmioSlotState());
        c.put("cpu", new Cpu(0x8000_0000L, new long[] {0, 1, 2, -1}, "M"));
        return c;
    }

    private static GuestMemory memory() {
        GuestMemory m = new GuestMemory(RAM_BASE, 1 << 20);
        m.store64(RAM_BASE, 0x0123_4567_89ab_cdefL);
        m.store8(RAM_BASE + 5 * PAGE + 17, 0x5a);
        m.store8(RAM_BASE + 9 * PAGE, 1);
        m.store8(RAM_BASE + 9 * PAGE, 0);
        m.store32(RAM_BASE + 255L * PAGE + PAGE - 4, 0xfeed_f00d);
        return m;
    }

    private Path small() throws IOException {
        Path p = dir.resolve("small.ferry");
        GuestMemory m = new GuestMemory(RAM_BASE, 4 * PAGE);
        m.store8(RAM_BASE + PAGE, 7);
        MachineStateFile.write(p, FixedRoster.of(Map.of("clint", new ClintState(true, 99), "other", new Other(5))), m);
        return p;
    }

    @Test
    void roundTripRestoresEveryComponentAndPage() throws Exception {
        Map<String, Record> components = components();
        GuestMemory memory = memory();
        Path file = dir.resolve("vm.ferry");
        MachineStateFile.write(file, FixedRoster.of(components), memory);

        LoadedState loaded = MachineStateFile.read(file);
        assertThat(loaded.componentNames()).containsExactly("clint", "cpu", "finisher", "plic", "uart0", "virtio0");
        assertThat(loaded.component("uart0", UartState.class)).usingRecursiveComparison()
                .isEqualTo(components.get("uart0"));
        assertThat(loaded.component("plic", PlicState.class)).usingRecursiveComparison()
                .isEqualTo(components.get("plic"));
        assertThat(loaded.component("clint", ClintState.class)).isEqualTo(components.get("clint"));
        assertThat(loaded.component("finisher", TestFinisherState.class)).isEqualTo(new TestFinisherState());
        assertThat(loaded.component("virtio0", VirtioMmioSlotState.class)).isEqualTo(new VirtioMmioSlotState());
        assertThat(loaded.component("cpu", Cpu.class)).usingRecursiveComparison().isEqualTo(components.get("cpu"));
        assertThat(loaded.ramSize()).isEqualTo(1 << 20);
        assertThat(loaded.ramBase()).isEqualTo(RAM_BASE);
        assertThat(loaded.storedPages()).isEqualTo(3);

        GuestMemory target = new GuestMemory(RAM_BASE, 1 << 20);
        target.store8(RAM_BASE + 100L * PAGE, 0x11);
        loaded.applyMemory(target);
        assertThat(target.load64(RAM_BASE)).isEqualTo(0x0123_4567_89ab_cdefL);
        assertThat(target.load8(RAM_BASE + 5 * PAGE + 17)).isEqualTo(0x5a);
        assertThat(target.load32(RAM_BASE + 255L * PAGE + PAGE - 4)).isEqualTo(0xfeed_f00d);
        assertThat(target.load8(RAM_BASE + 100L * PAGE)).isZero();
        assertThat(target.isAllocated(9)).isFalse();
        assertThat(target.isAllocated(100)).isFalse();
        assertThat(target.allocatedPages()).isEqualTo(3);

        String hash = StateHasher.hash(FixedRoster.of(components), memory);
        assertThat(loaded.stateHash()).isEqualTo(hash);
        assertThat(StateHasher.hash(FixedRoster.of(components), target)).isEqualTo(hash);
    }

    @Test
    void writingIsRepeatableAndReplacesAtomically() throws Exception {
        Path file = dir.resolve("vm.ferry");
        MachineStateFile.write(file, FixedRoster.of(components()), memory());
        byte[] first = Files.readAllBytes(file);
        MachineStateFile.write(file, FixedRoster.of(components()), memory());
        assertThat(Files.readAllBytes(file)).isEqualTo(first);
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path file = small();
        byte[] before = Files.readAllBytes(file);
        record Broken(String text) {
        }
        assertThatThrownBy(() -> MachineStateFile.write(file, FixedRoster.of(Map.of("b", new Broken(null))),
                memory()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }

    @Test
    void refusesToSaveWhilePagesAreAbsent() {
        GuestMemory m = new GuestMemory(RAM_BASE, 4 * PAGE);
        m.markNotPresent(2);
        assertThatThrownBy(() -> MachineStateFile.write(dir.resolve("x"), FixedRoster.of(Map.of()), m))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not present");
    }

    @Test
    void everyTruncationIsReportedAsTruncated() throws Exception {
        byte[] full = Files.readAllBytes(small());
        Path cut = dir.resolve("cut.ferry");
        for (int n = 0; n < full.length; n++) {
            Files.write(cut, Arrays.copyOf(full, n));
            assertThatThrownBy(() -> MachineStateFile.read(cut))
                    .as("truncated to %d bytes", n)
                    .isInstanceOf(StateFormatException.class)
                    .hasMessage("state file is truncated");
        }
    }

    @Test
    void everyFlippedByteIsDetected() throws Exception {
        byte[] full = Files.readAllBytes(small());
        Path bad = dir.resolve("bad.ferry");
        for (int i = 0; i < full.length; i++) {
            byte[] copy = full.clone();
            copy[i] ^= 0x20;
            Files.write(bad, copy);
            String expected = i < 7 ? "not a Ferry state file"
                    : i == 7 ? "unsupported state format version"
                    : i < 16 ? "state file" : "state file checksum mismatch (corrupt)";
            assertThatThrownBy(() -> MachineStateFile.read(bad))
                    .as("byte %d flipped", i)
                    .isInstanceOf(StateFormatException.class)
                    .hasMessageStartingWith(expected);
        }
    }

    @Test
    void headerErrorsHaveClearMessages() throws Exception {
        byte[] full = Files.readAllBytes(small());
        Path p = dir.resolve("h.ferry");

        byte[] v9 = full.clone();
        v9[7] = 9;
        Files.write(p, v9);
        assertThatThrownBy(() -> MachineStateFile.read(p))
                .hasMessage("unsupported state format version 9 (this build reads 1 to 2)");

        Files.write(p, "#!/bin/sh\necho hello\n".getBytes());
        assertThatThrownBy(() -> MachineStateFile.read(p)).hasMessage("not a Ferry state file");

        byte[] longer = Arrays.copyOf(full, full.length + 3);
        Files.write(p, longer);
        assertThatThrownBy(() -> MachineStateFile.read(p))
                .hasMessage("state file has 3 bytes of trailing data (corrupt)");

        byte[] hugeLength = full.clone();
        ByteBuffer.wrap(hugeLength).putLong(8, Long.MAX_VALUE);
        Files.write(p, hugeLength);
        assertThatThrownBy(() -> MachineStateFile.read(p)).hasMessage("state file is truncated");

        byte[] tinyLength = full.clone();
        ByteBuffer.wrap(tinyLength).putLong(8, 3);
        Files.write(p, tinyLength);
        assertThatThrownBy(() -> MachineStateFile.read(p)).hasMessageStartingWith("state file header is corrupt");
    }

    /** Rewrites a field and fixes length and checksum, as a deliberately crafted file would. */
    private static byte[] craft(byte[] file, int offset, int value) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).putInt(offset, value);
        return resealed(copy);
    }

    private static byte[] resealed(byte[] copy) {
        ByteBuffer.wrap(copy).putLong(8, copy.length);
        CRC32C crc = new CRC32C();
        crc.update(copy, 0, copy.length - 4);
        ByteBuffer.wrap(copy).putInt(copy.length - 4, (int) crc.getValue());
        return copy;
    }

    @Test
    void craftedLengthsWithValidChecksumAreRejected() throws Exception {
        byte[] full = Files.readAllBytes(small());
        Path p = dir.resolve("crafted.ferry");
        int count = 16;
        int firstSection = 20;
        int nameLength = firstSection + 4;
        int memoryHeader = full.length - 4 - (4 + PAGE) - 20;
        int pageCount = memoryHeader + 16;
        int pageIndex = pageCount + 4;
        int[][] cases = {
            {count, 0x7fff_ffff}, {count, -1}, {count, 3}, {firstSection, 0x7fff_ffff}, {firstSection, 2},
            {pageCount, 0x7fff_ffff}, {pageCount, 2}, {pageCount, 0}, {pageIndex, 4}, {pageIndex, -1},
        };
        for (int[] c : cases) {
            Files.write(p, craft(full, c[0], c[1]));
            assertThatThrownBy(() -> MachineStateFile.read(p))
                    .as("field at %d set to %d", c[0], c[1])
                    .isInstanceOf(StateFormatException.class)
                    .hasMessageStartingWith("state file is malformed");
        }
        byte[] longName = full.clone();
        ByteBuffer.wrap(longName).putShort(nameLength, (short) 0xffff);
        Files.write(p, resealed(longName));
        assertThatThrownBy(() -> MachineStateFile.read(p))
                .isInstanceOf(StateFormatException.class).hasMessageStartingWith("state file is malformed");

        byte[] ramSize = full.clone();
        ByteBuffer.wrap(ramSize).putLong(memoryHeader + 8, 4097);
        Files.write(p, resealed(ramSize));
        assertThatThrownBy(() -> MachineStateFile.read(p)).hasMessageStartingWith("state file is malformed: RAM size");
    }

    @Test
    void readingMapsThePagesInsteadOfCopyingThemIntoTheHeap() throws Exception {
        Path p = dir.resolve("full.ferry");
        long ram = 64L << 20;
        GuestMemory full = new GuestMemory(RAM_BASE, ram);
        for (long a = 0; a < (32L << 20); a += PAGE) {
            full.store64(RAM_BASE + a, a + 1);
        }
        MachineStateFile.write(p, FixedRoster.of(Map.of("clint", new ClintState(true, 99))), full);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        LoadedState loaded = MachineStateFile.read(p);
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(4L << 20);
        assertThat(loaded.storedPages()).isEqualTo((32 << 20) / PAGE);
        GuestMemory copy = new GuestMemory(RAM_BASE, ram);
        loaded.applyMemory(copy);
        assertThat(copy.load64(RAM_BASE + (5L << 20))).isEqualTo((5L << 20) + 1);
        assertThat(loaded.stateHash()).isEqualTo(StateHasher.hash(FixedRoster.of(Map.of("clint",
                new ClintState(true, 99))), full));
    }

    @Test
    void componentRecordsAreLimitedBeforeTheyAreCopied() throws Exception {
        Path p = dir.resolve("fat.ferry");
        GuestMemory m = new GuestMemory(RAM_BASE, 4 * PAGE);
        MachineStateFile.write(p, FixedRoster.of(Map.of("fat", new Other(1))), m);
        byte[] small = Files.readAllBytes(p);
        int section = 20;
        int oldLength = ByteBuffer.wrap(small).getInt(section);
        int dataLength = section + 4 + oldLength - 4 - 4;
        int grow = (int) MachineStateFile.MAX_COMPONENT_BYTES;
        ByteBuffer big = ByteBuffer.allocate(small.length + grow);
        big.put(small, 0, section + 4 + oldLength).put(new byte[grow])
                .put(small, section + 4 + oldLength, small.length - section - 4 - oldLength);
        big.putInt(section, oldLength + grow);
        big.putInt(dataLength, ByteBuffer.wrap(small).getInt(dataLength) + grow);
        Files.write(p, resealed(big.array()));
        assertThatThrownBy(() -> MachineStateFile.read(p))
                .isInstanceOf(StateFormatException.class)
                .hasMessage("state file is malformed: the component records take more than 16 MiB");
    }

    @Test
    void componentLookupErrors() throws Exception {
        LoadedState loaded = MachineStateFile.read(small());
        assertThat(loaded.component("other", Other.class)).isEqualTo(new Other(5));
        assertThatThrownBy(() -> loaded.component("uart0", UartState.class))
                .isInstanceOf(StateFormatException.class).hasMessage("state file has no 'uart0' component");
        assertThatThrownBy(() -> loaded.component("clint", UartState.class))
                .isInstanceOf(StateFormatException.class)
                .hasMessage("component 'clint' holds ClintState, not UartState");
    }

    @Test
    void changedLayoutIsDetected() throws Exception {
        byte[] full = Files.readAllBytes(small());
        int fingerprint = 16 + 4 + 4 + 2 + "clint".length() + 2 + ClintState.class.getName().length();
        byte[] copy = full.clone();
        copy[fingerprint] ^= 1;
        Path p = dir.resolve("layout.ferry");
        Files.write(p, resealed(copy));
        LoadedState loaded = MachineStateFile.read(p);
        assertThatThrownBy(() -> loaded.component("clint", ClintState.class))
                .isInstanceOf(StateFormatException.class)
                .hasMessage("component 'clint' was saved with a different layout of ClintState than this build has");
    }

    @Test
    void ramSizeMustMatch() throws Exception {
        Path p = dir.resolve("big.ferry");
        GuestMemory big = new GuestMemory(RAM_BASE, 256L << 20);
        big.store8(RAM_BASE + (200L << 20), 3);
        MachineStateFile.write(p, FixedRoster.of(Map.of()), big);
        LoadedState loaded = MachineStateFile.read(p);
        GuestMemory small = new GuestMemory(RAM_BASE, 128L << 20);
        small.store8(RAM_BASE, 1);
        assertThatThrownBy(() -> loaded.applyMemory(small))
                .isInstanceOf(StateFormatException.class)
                .hasMessage("state file is for 256 MiB of RAM, the machine has 128 MiB");
        assertThat(small.load8(RAM_BASE)).isEqualTo(1);
        GuestMemory elsewhere = new GuestMemory(0x4000_0000L, 256L << 20);
        assertThatThrownBy(() -> loaded.applyMemory(elsewhere))
                .hasMessage("state file has RAM at 0x80000000, the machine at 0x40000000");
        GuestMemory same = new GuestMemory(RAM_BASE, 256L << 20);
        loaded.applyMemory(same);
        assertThat(same.load8(RAM_BASE + (200L << 20))).isEqualTo(3);
    }
}
