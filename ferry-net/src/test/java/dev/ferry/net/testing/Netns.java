package dev.ferry.net.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ip} and friends for root-only tests, and undoes what it was told to undo, last first, on close.
 * Names carry this JVM's process id so that concurrent test runs do not meet.
 */
public final class Netns implements AutoCloseable {

    /** A number unique among running JVMs, for interface and namespace names (at most 5 digits). */
    public static final long ID = ProcessHandle.current().pid() % 100_000;

    private final List<String[]> undo = new ArrayList<>();

    /** Whether this process is root and {@code ping} is installed. */
    public static boolean usable() {
        try {
            return "0".equals(run("id", "-u").trim()) && Files.isExecutable(Path.of("/usr/bin/ping"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs {@code cmd}, returns its output; throws with the output if it fails or takes over 30 s. */
    public static String run(String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
    }

    /** Runs {@code cmd}; on close, runs {@code undoCmd} (failures ignored). */
    public String run(String[] cmd, String... undoCmd) throws IOException {
        String out = run(cmd);
        undo.add(undoCmd);
        return out;
    }

    @Override
    public void close() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            try {
                run(undo.get(i));
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
