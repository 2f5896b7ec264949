package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry run} as a user drives it: bad input gets one clear line and status 2; hashes and saves work. */
class RunCommandInputTest {

    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) { }

    private static Outcome ferry(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int status = cl.execute(args);
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(savedOut);
        }
    }

    private static void assertOneLineError(Outcome o, String fragment) {
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).startsWith("ferry: ").contains(fragment);
        assertThat(o.err().strip().lines()).hasSize(1);
    }

    /** A minimal ELF64 header with one PT_LOAD segment. */
    private static byte[] elf(int elfClass, int machine, long paddr, long memsz) {
        ByteBuffer b = ByteBuffer.allocate(64 + 56 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) machine).putInt(1).putLong(paddr).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(120).putLong(paddr).putLong(paddr).putLong(16).putLong(memsz).putLong(4096);
        b.put(new byte[16]);
        return b.array();
    }

    @Test
    void notAnElf() throws Exception {
        Path f = Files.writeString(dir.resolve("notes.txt"), "hello, I am text\n");
        assertOneLineError(ferry("run", "--image", f.toString()), "not an ELF file");
    }

    @Test
    void notRv64() throws Exception {
        Path f = Files.write(dir.resolve("x86.elf"), elf(2, 62, 0x8000_0000L, 16));
        assertOneLineError(ferry("run", "--image", f.toString()), "not RISC-V");
        Path g = Files.write(dir.resolve("rv32.elf"), elf(1, 243, 0x8000_0000L, 16));
        assertOneLineError(ferry("run", "--image", g.toString()), "not a 64-bit ELF");
    }

    @Test
    void imageBiggerThanRam() throws Exception {
        Path f = Files.write(dir.resolve("big.elf"), elf(2, 243, 0x8000_0000L, 512L << 20));
        assertOneLineError(ferry("run", "--image", f.toString(), "--mem", "128M"), "use a larger --mem");
    }

    @Test
    void unknownOptionAndImage() {
        assertOneLineError(ferry("run", "--image", "hello", "--bogus"), "--bogus");
        assertOneLineError(ferry("run", "--image", "no-such-image"), "unknown image 'no-such-image'");
        assertOneLineError(ferry("run", "--image", "hello", "--mem", "lots"), "not a size");
        assertOneLineError(ferry("run", "--image", "hello", "--save-state", "x"), "--max-instructions");
    }

    @Test
    void corruptStateFile() throws Exception {
        Path state = dir.resolve("s.state");
        Outcome save = ferry("run", "--image", "munch", "--deterministic", "--max-instructions", "300000",
                "--save-state", state.toString(), "wss=1M");
        assertThat(save.status()).isZero();
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length - 100] ^= 1;
        Files.write(state, bytes);
        assertOneLineError(ferry("run", "--restore", state.toString()), "checksum");
        assertOneLineError(ferry("run", "--restore", dir.resolve("missing").toString()), "no such file");
    }

    @Test
    void restoredRunPrintsTheSameHashAsAStraightRun() throws Exception {
        Path state = dir.resolve("t.state");
        Outcome straight = ferry("run", "--image", "timer", "--deterministic", "--max-instructions", "2500000",
                "--state-hash", "hz=1000", "ticks=500");
        Outcome save = ferry("run", "--image", "timer", "--deterministic", "--max-instructions", "1000000",
                "--save-state", state.toString(), "hz=1000", "ticks=500");
        Outcome resumed = ferry("run", "--restore", state.toString(), "--max-instructions", "2500000",
                "--state-hash");
        assertThat(save.status()).isZero();
        assertThat(hash(straight.out())).isEqualTo(hash(resumed.out())).hasSize(64);
        assertThat(straight.out()).contains("tick 1\n");
        assertThat(resumed.out()).doesNotContain("tick 1\n");
    }

    private static String hash(String out) {
        return out.lines().filter(l -> l.startsWith("state-hash: ")).map(l -> l.split(" ")[1]).findFirst()
                .orElseThrow(() -> new AssertionError("no state-hash line in: " + out));
    }
}
