package dev.ferry.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code qemu-img} and {@code qemu-io} (package qemu-utils) for the interoperability tests. */
final class QemuTools {

    /** A finished command: its exit status and what it printed. */
    record Result(int status, String output) {
    }

    private QemuTools() {
    }

    /** Skips the calling test when qemu-utils is not installed. */
    static void assumeInstalled() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")) && Files.isExecutable(Path.of("/usr/bin/qemu-io")),
                "qemu-utils is not installed");
    }

    /** Runs a command in {@code dir}, at most a minute. */
    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed. */
    static String ok(Path dir, String... command) throws IOException, InterruptedException {
        Result r = run(dir, command);
        assertThat(r.status()).as(String.join(" ", command) + ": " + r.output()).isZero();
        return r.output();
    }

    /** Runs {@code qemu-io} on a qcow2 image with the given {@code -c} commands. */
    static void qemuIo(Path dir, Path image, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image.toString());
        ok(dir, cmd.toArray(String[]::new));
    }

    /** The disk's bytes as {@code qemu-img convert -O raw} sees them. */
    static byte[] asRaw(Path dir, Path image) throws IOException, InterruptedException {
        Path raw = Files.createTempFile(dir, "converted", ".raw");
        ok(dir, "qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        byte[] bytes = Files.readAllBytes(raw);
        Files.delete(raw);
        return bytes;
    }

    /** {@code qemu-img check}: 0 when clean, 3 when only leaks, 2 on corruption. */
    static Result check(Path dir, Path image) throws IOException, InterruptedException {
        return run(dir, "qemu-img", "check", image.toString());
    }
}
