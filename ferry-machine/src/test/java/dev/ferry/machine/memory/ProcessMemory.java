package dev.ferry.machine.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's memory as the kernel counts it ({@code /proc/self/smaps_rollup}): Rss counts a page once for every
 * mapping that maps it, Pss divides a shared page among its mappings, so Pss is what the process really holds.
 *
 * @param rssBytes resident bytes
 * @param pssBytes proportional set size in bytes
 */
public record ProcessMemory(long rssBytes, long pssBytes) {

    private static final Path ROLLUP = Path.of("/proc/self/smaps_rollup");

    /** True where the figures can be read (Linux 4.14 and later). */
    public static boolean available() {
        return Files.isReadable(ROLLUP);
    }

    /** The figures now. */
    public static ProcessMemory now() throws IOException {
        long rss = -1;
        long pss = -1;
        for (String line : Files.readAllLines(ROLLUP)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("Rss:")) {
                rss = Long.parseLong(f[1]) << 10;
            } else if (f.length >= 2 && f[0].equals("Pss:")) {
                pss = Long.parseLong(f[1]) << 10;
            }
        }
        if (rss < 0 || pss < 0) {
            throw new IOException(ROLLUP + " has no Rss or Pss line");
        }
        return new ProcessMemory(rss, pss);
    }

    /** How much each figure grew since {@code before}. */
    public ProcessMemory minus(ProcessMemory before) {
        return new ProcessMemory(rssBytes - before.rssBytes, pssBytes - before.pssBytes);
    }

    @Override
    public String toString() {
        return String.format("Rss %.1f MiB, Pss %.1f MiB", rssBytes / 1048576.0, pssBytes / 1048576.0);
    }
}
