package dev.ferry.bench.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The proportional set size of a process ({@code Pss} in {@code /proc/PID/smaps_rollup}): its resident pages, each
 * shared page counted as its share. Unlike the resident size it does not count a page twice when copy-on-write
 * shares it between mappings of one process and others.
 */
public final class ProportionalMemory {

    private ProportionalMemory() {
    }

    /** Pss bytes of process {@code pid}. */
    public static long of(long pid) throws IOException {
        Path rollup = Path.of("/proc", Long.toString(pid), "smaps_rollup");
        return parse(Files.readString(rollup));
    }

    /** The {@code Pss:} figure of a {@code smaps_rollup} text, in bytes. */
    static long parse(String smapsRollup) throws IOException {
        for (String line : smapsRollup.lines().toList()) {
            if (line.startsWith("Pss:")) {
                return ResidentMemory.parseKiB(line.substring("Pss:".length()));
            }
        }
        throw new IOException("no Pss line in smaps_rollup");
    }
}
