package dev.ferry.machine.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.BootRomState;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.image.KernelFile;
import dev.ferry.machine.image.RawFile;
import dev.ferry.machine.state.MachineStateFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel loader puts firmware, kernel, initrd, device tree and boot ROM where QEMU 7.2's {@code virt} board
 * puts them. The expected addresses and ROM words were read from {@code qemu-system-riscv64 -M virt} with its
 * monitor ({@code xp /24xw 0x1000}) for the same files and RAM sizes.
 */
class KernelBootTest {

    private static final long MIB = 1L << 20;
    private static final long RAM_BASE = VirtMachine.RAM_BASE;

    @TempDir
    Path dir;

    /** A RISC-V Linux Image: the 64-byte header with both magic numbers, then {@code body} bytes. */
    static byte[] image(int body) {
        ByteBuffer b = ByteBuffer.allocate(64 + body).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x0000006f).putInt(0).putLong(0x200000).putLong(3 * MIB).putLong(0).putInt(2).putInt(0).putLong(0)
                .putLong(KernelFile.MAGIC).putInt(KernelFile.MAGIC2).putInt(0);
        for (int i = 0; i < body; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    /** An rv64 executable with one PT_LOAD segment of {@code size} bytes at {@code addr}, entry {@code entry}. */
    static byte[] elf(long addr, long entry, int size) {
        ByteBuffer b = ByteBuffer.allocate(4096 + size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1).putLong(entry).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(4096).putLong(addr).putLong(addr).putLong(size).putLong(size).putLong(4096);
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path sized(String name, long size) throws IOException {
        return file(name, new byte[(int) size]);
    }

    private BootFiles files(Firmware fw, Path kernel, Path initrd, long ram) throws ImageFormatException {
        return new BootFiles(fw, KernelFile.read(kernel, ram),
                initrd == null ? Optional.empty() : Optional.of(RawFile.open(initrd, "initrd")));
    }

    private Firmware opensbiSized(long size) throws Exception {
        return Firmware.of(sized("fw.bin", size).toString(), 1L << 30);
    }

    @Test
    void imageGoesAtTheFirmwareEndRoundedUpTo2MiBAndTheInitrdAt128MiBAboveIt() throws Exception {
        long ram = 256 * MIB;
        KernelBoot plan = KernelBoot.plan(ram, "console=ttyS0", new byte[0],
                files(opensbiSized(115328), file("Image", image(1024)), sized("initrd", 6000), ram));
        BootLayout l = plan.layout();
        assertThat(l.startAddress()).isEqualTo(0x8000_0000L);
        assertThat(l.firmwareEnd()).isEqualTo(0x8000_0000L + 115328);
        assertThat(l.kernelAddress()).isEqualTo(0x8020_0000L);
        assertThat(l.kernelEntry()).isEqualTo(0x8020_0000L);
        assertThat(l.initrdStart()).isEqualTo(0x8820_0000L);
        assertThat(l.initrdEnd()).isEqualTo(0x8820_1770L);
        assertThat(l.fdtAddress()).isEqualTo(0x8fe0_0000L);
    }

    @Test
    void onSmallRamTheInitrdGoesHalfwayIntoRam() throws Exception {
        long ram = 64 * MIB;
        BootLayout l = KernelBoot.plan(ram, "", new byte[0],
                files(opensbiSized(115328), file("Image", image(64)), sized("initrd", 6000), ram)).layout();
        assertThat(l.initrdStart()).isEqualTo(0x8220_0000L);
        assertThat(l.initrdEnd()).isEqualTo(0x8220_1770L);
        assertThat(l.fdtAddress()).isEqualTo(0x83e0_0000L);
    }

    @Test
    void aFirmwareLargerThan2MiBPushesTheKernelTo4MiB() throws Exception {
        long ram = 256 * MIB;
        BootLayout l = KernelBoot.plan(ram, "", new byte[0],
                files(opensbiSized(3_000_000), file("Image", image(64)), null, ram)).layout();
        assertThat(l.kernelEntry()).isEqualTo(0x8040_0000L);
        assertThat(l.initrdStart()).isZero();
    }

    @Test
    void withoutFirmwareTheImageGoesAtTheStartOfRam() throws Exception {
        long ram = 256 * MIB;
        BootLayout l = KernelBoot.plan(ram, "", new byte[0],
                files(Firmware.of("none", ram), file("Image", image(64)), sized("initrd", 100), ram)).layout();
        assertThat(l.kernelEntry()).isEqualTo(RAM_BASE);
        assertThat(l.startAddress()).isEqualTo(RAM_BASE);
        assertThat(l.initrdStart()).isEqualTo(0x8800_0000L);
    }

    @Test
    void anElfKernelIsEnteredAtItsLowestAddressAsQemu72Does() throws Exception {
        long ram = 256 * MIB;
        BootLayout l = KernelBoot.plan(ram, "", new byte[0], files(opensbiSized(115328),
                file("k.elf", elf(0x805f_f000L, 0x8060_0004L, 0x1002)), sized("initrd", 16), ram)).layout();
        assertThat(l.kernelEntry()).isEqualTo(0x805f_f000L);
        assertThat(l.initrdStart()).isEqualTo(0x805f_f000L + 128 * MIB);
    }

    @Test
    void theBootRomHoldsQemusResetVectorAndFwDynamicInfo() throws Exception {
        long ram = 256 * MIB;
        byte[] rom = KernelBoot.plan(ram, "", new byte[0],
                files(opensbiSized(115328), file("Image", image(64)), null, ram)).bootRom();
        int[] words = new int[rom.length / 4];
        ByteBuffer.wrap(rom).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
        assertThat(words).containsExactly(
                0x00000297, 0x02828613, 0xf1402573, 0x0202b583,
                0x0182b283, 0x00028067, 0x80000000, 0x00000000,
                0x8fe00000, 0x00000000, 0x4942534f, 0x00000000,
                0x00000002, 0x00000000, 0x80200000, 0x00000000,
                0x00000001, 0x00000000, 0x00000000, 0x00000000,
                0x00000000, 0x00000000);
    }

    @Test
    void anInitrdThatReachesTheDeviceTreeIsRefusedWithOneLine() throws Exception {
        long ram = 256 * MIB;
        Path big = dir.resolve("big.initrd");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(200 * MIB);
        }
        assertThatThrownBy(() -> KernelBoot.plan(ram, "", new byte[0],
                files(opensbiSized(115328), file("Image", image(64)), big, ram)))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("initrd " + big + ": 200.0 MiB does not fit in RAM: placed at 0x88200000 as QEMU does, it "
                        + "would end at 0x94a00000, past the end of RAM at 0x90000000; use a larger --mem");
        Path mid = dir.resolve("mid.initrd");
        try (var f = new java.io.RandomAccessFile(mid.toFile(), "rw")) {
            f.setLength(125 * MIB);
        }
        assertThatThrownBy(() -> KernelBoot.plan(ram, "", new byte[0],
                files(opensbiSized(115328), file("Image", image(64)), mid, ram)))
                .hasMessage("initrd " + mid + ": 125.0 MiB does not fit in RAM: placed at 0x88200000 as QEMU does, it "
                        + "would reach the device tree at 0x8fe00000; use a larger --mem");
    }

    @Test
    void anElfKernelOverlappingTheFirmwareIsRefused() throws Exception {
        long ram = 256 * MIB;
        Path k = file("k.elf", elf(RAM_BASE + 0x1000, RAM_BASE + 0x1000, 64));
        assertThatThrownBy(() -> KernelBoot.plan(ram, "", new byte[0], files(opensbiSized(115328), k, null, ram)))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageStartingWith("kernel " + k + " (0x80001000-0x80001040) overlaps firmware ");
    }

    @Test
    void bootingSetsTheRegistersTheResetVectorWouldAndLoadsEverything() throws Exception {
        long ram = 128 * MIB;
        VirtMachine m = new VirtMachine(new MachineConfig(ram, true, "console=ttyS0", new ByteArrayOutputStream())
                .withMrom(true));
        byte[] fw = new byte[4096];
        fw[0] = 0x13;
        Path fwFile = file("fw.bin", fw);
        BootLayout l = m.boot(files(Firmware.of(fwFile.toString(), ram), file("Image", image(64)),
                file("initrd", new byte[] {1, 2, 3, 4}), ram));
        assertThat(m.cpu().pc()).isEqualTo(RAM_BASE);
        assertThat(m.cpu().privilege()).isEqualTo(3);
        assertThat(m.cpu().reg(10)).isZero();
        assertThat(m.cpu().reg(11)).isEqualTo(l.fdtAddress()).isEqualTo(m.deviceTreeAddress());
        assertThat(m.cpu().reg(12)).isEqualTo(0x1028);
        assertThat(m.cpu().reg(5)).isEqualTo(RAM_BASE);
        assertThat(m.memory().load32(RAM_BASE)).isEqualTo(0x13);
        assertThat(m.memory().load32(l.kernelEntry())).isEqualTo(0x6f);
        assertThat(m.memory().load32(l.initrdStart())).isEqualTo(0x04030201);
        assertThat(m.memory().load32(l.fdtAddress())).isEqualTo(0xedfe0dd0);
        BootRomState rom = (BootRomState) m.componentStates().get(VirtMachine.MROM);
        assertThat(rom.contents()).hasSize(ResetVector.SIZE);
    }

    @Test
    void theBootRomTravelsInTheSavedStateAndARestoredMachineHasIt() throws Exception {
        long ram = 64 * MIB;
        VirtMachine m = new VirtMachine(new MachineConfig(ram, true, "", new ByteArrayOutputStream()).withMrom(true));
        m.boot(files(Firmware.of("none", ram), file("Image", image(64)), null, ram));
        Path state = dir.resolve("vm.state");
        m.saveState(state);
        VirtMachine back = VirtMachine.fromStateFile(state, new ByteArrayOutputStream());
        assertThat(back.config().mrom()).isTrue();
        assertThat(((BootRomState) back.componentStates().get(VirtMachine.MROM)).contents())
                .isEqualTo(((BootRomState) m.componentStates().get(VirtMachine.MROM)).contents());
        assertThat(back.stateHash()).isEqualTo(m.stateHash());
        assertThat(MachineStateFile.read(state).componentNames()).contains(VirtMachine.MROM);
    }

    @Test
    void aMachineWithoutTheBootRomRefusesAKernelBoot() throws Exception {
        long ram = 64 * MIB;
        VirtMachine m = new VirtMachine(new MachineConfig(ram, true, "", new ByteArrayOutputStream()));
        assertThat(m.componentStates()).doesNotContainKey(VirtMachine.MROM);
        BootFiles f = files(Firmware.of("none", ram), file("Image", image(64)), null, ram);
        assertThatThrownBy(() -> m.boot(f)).isInstanceOf(IllegalStateException.class);
    }
}
