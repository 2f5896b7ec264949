package dev.ferry.machine.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * This process's memory as the kernel counts it ({@code /proc/self/smaps_rollup}): Rss counts a page once for every
 * mapping that maps it, Pss divides a shared page among its mappings, so Pss is what the process really holds.
 *
 * @param rssBytes resident bytes
 * @param pssBytes proportional set size in bytes
 */
public record ProcessMemory(long rssBytes, long pssBytes) {

    private static final Path ROLLUP = Path.of("/proc/self/smaps_rollup");
    private static final Pattern VMA = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

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

    /**
     * The figures of the mappings whose name contains {@code name} ({@code /proc/self/smaps}), for instance the
     * clones' RAM, a memory file named {@code ferry-ram}.
     *
     * @return Rss, Pss and the private anonymous bytes (pages copied on write) of those mappings
     */
    public static Mapped mapped(String name) throws IOException {
        long rss = 0;
        long pss = 0;
        long anonymous = 0;
        int count = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (VMA.matcher(line).lookingAt()) {
                in = line.contains(name);
                count += in ? 1 : 0;
                continue;
            }
            if (!in) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2) {
                switch (f[0]) {
                    case "Rss:" -> rss += Long.parseLong(f[1]) << 10;
                    case "Pss:" -> pss += Long.parseLong(f[1]) << 10;
                    case "Anonymous:" -> anonymous += Long.parseLong(f[1]) << 10;
                    default -> { }
                }
            }
        }
        return new Mapped(count, rss, pss, anonymous);
    }

    /**
     * Figures of some mappings.
     *
     * @param mappings       how many
     * @param rssBytes       resident bytes, shared pages counted in each mapping
     * @param pssBytes       proportional set size
     * @param anonymousBytes private pages (in a file mapping: the pages copied on write)
     */
    public record Mapped(int mappings, long rssBytes, long pssBytes, long anonymousBytes) {

        @Override
        public String toString() {
            return String.format("%d mappings: Rss %.1f MiB, Pss %.1f MiB, copied on write %.1f MiB", mappings,
                    rssBytes / 1048576.0, pssBytes / 1048576.0, anonymousBytes / 1048576.0);
        }
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
