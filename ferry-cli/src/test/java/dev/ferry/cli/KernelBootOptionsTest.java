package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ferry run --kernel/--initrd/--bios/--drive/--nic}: a kernel boots through QEMU's layout (checked by the
 * state a deterministic run reaches), and every kind of bad input gets one line and status 2, never a stack trace.
 */
class KernelBootOptionsTest {

    @TempDir
    Path dir;

    private record Outcome(int status, String out, String err) { }

    private static Outcome ferry(String... args) {
        return ferryWithInput(new byte[0], args);
    }

    private static Outcome ferryWithInput(byte[] input, String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        InputStream savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(input));
        try {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int status = cl.execute(args);
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(savedOut);
            System.setIn(savedIn);
        }
    }

    private static void assertOneLineError(Outcome o, String message) {
        assertThat(o.status()).as(o.err()).isEqualTo(2);
        assertThat(o.err().strip()).isEqualTo("ferry: " + message);
    }

    /**
     * A Linux Image whose code stores 0x5555 to the finisher: a run with {@code --bios none} powers off at once,
     * so the kernel was loaded at the start of RAM and entered there.
     */
    private Path poweringOffImage() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64 + 16).order(ByteOrder.LITTLE_ENDIAN);
        // lui t0, 0x100 ; lui t1, 0x5 ; addi t1, t1, 0x555 ; sw t1, 0(t0) -- then the 64-byte header's remainder
        b.putInt(0x001002b7).putInt(0x00005337).putLong(0);
        b.putLong(0).putLong(0).putInt(2).putInt(0).putLong(0).putLong(0x5643534952L).putInt(0x05435352).putInt(0);
        b.putInt(0x55530313).putInt(0x0062a023).putInt(0x0000006f).putInt(0);
        byte[] bytes = b.array();
        // the header words at 8..16 are text_offset: execution continues there, so jump over the header
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x0380006f);
        return Files.write(dir.resolve("Image"), bytes);
    }

    @Test
    void aKernelWithoutFirmwareIsEnteredAtTheStartOfRam() throws Exception {
        Outcome o = ferry("run", "--kernel", poweringOffImage().toString(), "--bios", "none", "--deterministic",
                "--max-instructions", "100000", "--state-hash");
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(o.out()).as("powered off after lui, lui, j, addi, sw").endsWith(" instructions: 5\n");
    }

    /** Code of a guest that echoes 5000 console bytes (polling LSR) and then powers off. */
    private static final int[] ECHO_5000 = {0x100002b7, 0x001003b7, 0x00001e37, 0x388e0e13, 0x0052c303, 0x00137313,
        0xfe030ce3, 0x0002c303, 0x0052ce83, 0x020efe93, 0xfe0e8ce3, 0x00628023, 0xfffe0e13, 0xfc0e1ee3, 0x00005337,
        0x55530313, 0x0063a023, 0x0000006f};

    @Test
    void consoleInputFromAPipeArrivesWholeEvenWhenItOutrunsTheGuest() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64 + 4 * ECHO_5000.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x0400006f).putInt(0).putLong(0).putLong(0).putLong(0).putInt(2).putInt(0).putLong(0)
                .putLong(0x5643534952L).putInt(0x05435352).putInt(0);
        for (int w : ECHO_5000) {
            b.putInt(w);
        }
        Path echo = Files.write(dir.resolve("echo.Image"), b.array());
        byte[] input = new byte[5000];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) ('a' + i % 26);
        }
        Outcome o = ferryWithInput(input, "run", "--kernel", echo.toString(), "--bios", "none",
                "--max-instructions", "500000000");
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(o.out()).isEqualTo(new String(input, StandardCharsets.US_ASCII));
    }

    @Test
    void aKernelThatIsNeitherImageNorElfIsRefused() throws Exception {
        Path junk = Files.writeString(dir.resolve("vmlinuz"), "not a kernel at all, just some text to fill it up "
                + "with more than sixty-four bytes of words");
        assertOneLineError(ferry("run", "--kernel", junk.toString()), "kernel " + junk + ": not a RISC-V kernel "
                + "(neither a Linux Image, whose header holds the magic \"RISCV\"/\"RSC\\x05\", nor an ELF file)");
    }

    @Test
    void missingOrUnreadableFilesAreRefused() throws Exception {
        Path kernel = poweringOffImage();
        Path missing = dir.resolve("initrd.gz");
        assertOneLineError(ferry("run", "--kernel", kernel.toString(), "--initrd", missing.toString()),
                "initrd " + missing + ": no such file");
        assertOneLineError(ferry("run", "--kernel", kernel.toString(), "--bios", missing.toString()),
                "firmware " + missing + ": no such file");
        assertOneLineError(ferry("run", "--kernel", missing.toString()), "kernel " + missing + ": no such file");
    }

    @Test
    void anInitrdThatDoesNotFitInRamIsRefused() throws Exception {
        Path big = dir.resolve("big.cpio");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(40L << 20);
        }
        Outcome o = ferry("run", "--kernel", poweringOffImage().toString(), "--initrd", big.toString(), "--mem",
                "64M", "--bios", "none");
        assertOneLineError(o, "initrd " + big + ": 40.0 MiB does not fit in RAM: placed at 0x82000000 as QEMU "
                + "does, it would end at 0x84800000, past the end of RAM at 0x84000000; use a larger --mem");
    }

    @Test
    void badDrivesAreRefused() throws Exception {
        String kernel = poweringOffImage().toString();
        Path missing = dir.resolve("disk.img");
        assertOneLineError(ferry("run", "--kernel", kernel, "--drive", "file=" + missing + ",format=raw"),
                "drive " + missing + ": no such file");
        Path odd = Files.write(dir.resolve("odd.img"), new byte[700]);
        assertOneLineError(ferry("run", "--kernel", kernel, "--drive", "file=" + odd),
                "drive " + odd + ": 700 bytes is not a multiple of 512 (a raw disk image holds whole sectors)");
        Path ro = Files.write(dir.resolve("ro.img"), new byte[1024]);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        assertOneLineError(ferry("run", "--kernel", kernel, "--drive", "file=" + ro + ",format=raw"),
                "drive " + ro + ": the file is read-only; attach it with readonly=on");
        assertOneLineError(ferry("run", "--kernel", kernel, "--drive", "disk.img"),
                "--drive 'disk.img': 'disk.img' is not KEY=VALUE");
    }

    @Test
    void aReadOnlyDriveWithReadonlyOnIsAccepted() throws Exception {
        Path ro = Files.write(dir.resolve("ro.img"), new byte[1024]);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        Outcome o = ferry("run", "--kernel", poweringOffImage().toString(), "--bios", "none", "--drive",
                "file=" + ro + ",format=raw,readonly=on", "--deterministic", "--max-instructions", "100000",
                "--state-hash");
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(o.out()).endsWith(" instructions: 5\n");
    }

    @Test
    void badNicsAreRefused() throws Exception {
        String kernel = poweringOffImage().toString();
        assertOneLineError(ferry("run", "--kernel", kernel, "--nic", "tap:tap0,mac=03:00:00:00:00:01"),
                "--nic 'tap:tap0,mac=03:00:00:00:00:01': MAC 03:00:00:00:00:01 is a multicast address; a NIC needs "
                        + "a unicast one (first byte even)");
        assertOneLineError(ferry("run", "--kernel", kernel, "--nic", "user"),
                "--nic 'user': the back end must be tap:NAME, switch or none");
    }

    @Test
    void optionsThatContradictEachOtherAreRefused() throws Exception {
        String kernel = poweringOffImage().toString();
        assertOneLineError(ferry("run", "--kernel", kernel, "--image", "hello"),
                "--image and --kernel exclude each other: give one thing to boot");
        assertOneLineError(ferry("run", "--image", "hello", "--initrd", kernel),
                "--initrd needs --kernel (or --image linux): an initrd is for a kernel");
        assertOneLineError(ferry("run", "--restore", kernel, "--rng"), "--kernel, --initrd, --bios, --drive, --nic "
                + "and --rng have no effect with --restore: the machine comes from the saved state");
    }
}
