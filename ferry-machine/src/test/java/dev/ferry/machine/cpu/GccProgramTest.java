package dev.ferry.machine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.MmioDevice;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * A C program compiled by gcc -O2 for rv64imac (compressed code, M and A extension use, traps, misaligned
 * accesses) prints the same console output as on QEMU 7.2 {@code virt}. See {@code gccprog/build.sh}.
 */
class GccProgramTest {

    @Test
    void consoleOutputMatchesQemu() {
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
        byte[] image = Base64.getDecoder().decode(GccProgram.IMAGE);
        m.ram.writeBytes(TestMachine.RAM_BASE, image, 0, image.length);
        m.cpu.reset(TestMachine.RAM_BASE);
        m.runToExit();
        String expected = new String(Base64.getDecoder().decode(GccProgram.EXPECTED_OUTPUT), StandardCharsets.UTF_8);
        assertThat(m.console.toString()).isEqualTo(expected);
    }
}
