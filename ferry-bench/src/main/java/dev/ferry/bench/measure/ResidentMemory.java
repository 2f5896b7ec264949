package dev.ferry.bench.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident memory of a process as Linux reports it ({@code VmRSS} in {@code /proc/PID/status}). */
public final class ResidentMemory {

    private ResidentMemory() {
    }

    /** Resident bytes of process {@code pid}. */
    public static long of(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return parseKiB(line.substring("VmRSS:".length()));
            }
        }
        throw new IOException(status + " has no VmRSS line");
    }

    /** Bytes of a {@code /proc} figure such as {@code "   123456 kB"}. */
    static long parseKiB(String figure) throws IOException {
        String t = figure.strip();
        if (!t.endsWith("kB")) {
            throw new IOException("not a kB figure: " + figure);
        }
        try {
            return Long.parseLong(t.substring(0, t.length() - 2).strip()) * 1024;
        } catch (NumberFormatException e) {
            throw new IOException("not a kB figure: " + figure, e);
        }
    }
}
