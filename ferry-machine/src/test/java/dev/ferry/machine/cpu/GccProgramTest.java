package dev.ferry.machine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.MmioDevice;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * C programs compiled by gcc -O2 for rv64imac (compressed code, M and A extension use, traps, misaligned
 * accesses) print the same console output as on QEMU 7.2 {@code virt}. See {@code gccprog/build.sh}.
 */
class GccProgramTest {

    /** A test machine with the QEMU virt test finisher at 0x100000 (0x5555 stops the CPU) and the image loaded. */
    static TestMachine machine(String imageBase64) {
        TestMachine m = new TestMachine();
        m.bus.map(0x10_0000, new MmioDevice() {
            @Override
            public long size() {
                return 0x1000;
            }

            @Override
            public long read(long offset, int width) {
                return 0;
            }

            @Override
            public void write(long offset, int width, long value) {
                if (value == 0x5555) {
                    m.exitCode = 0;
                    m.cpu.requestStop();
                }
            }
        });
        byte[] image = Base64.getDecoder().decode(imageBase64);
        m.ram.writeBytes(TestMachine.RAM_BASE, image, 0, image.length);
        m.cpu.reset(TestMachine.RAM_BASE);
        return m;
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    @Test
    void featureProgramOutputMatchesQemu() {
        TestMachine m = machine(GccProgram.IMAGE).runToExit();
        assertThat(m.console.toString()).isEqualTo(decode(GccProgram.EXPECTED_OUTPUT));
    }

    @Test
    void userModeProgramOutputMatchesQemu() {
        TestMachine m = machine(GccProgram.USER_IMAGE).runToExit();
        assertThat(m.console.toString()).isEqualTo(decode(GccProgram.USER_OUTPUT));
    }

    @Test
    void benchmarkProgramOutputMatchesQemu() {
        TestMachine m = machine(GccProgram.BENCH_SMALL_IMAGE).runToExit();
        assertThat(m.console.toString()).isEqualTo(decode(GccProgram.BENCH_SMALL_OUTPUT));
    }
}
