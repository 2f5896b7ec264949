package dev.ferry.sim.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Traces in the PlanetLab format CloudSim users have: one file per VM, one whole CPU percentage per line, a sample
 * every 5 minutes (288 a day). Files are taken in name order; a run longer than a file starts it over.
 */
public final class PlanetLabTraces {

    private final List<int[]> files;
    private final List<String> names;

    private PlanetLabTraces(List<int[]> files, List<String> names) {
        this.files = files;
        this.names = names;
    }

    /** Reads every regular file of {@code dir}. */
    public static PlanetLabTraces read(Path dir) {
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list traces in " + dir, e);
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no trace files in " + dir);
        }
        List<int[]> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : paths) {
            files.add(parse(p));
            names.add(p.getFileName().toString());
        }
        return new PlanetLabTraces(files, names);
    }

    private static int[] parse(Path p) {
        List<String> lines;
        try {
            lines = Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + p, e);
        }
        int[] v = lines.stream().map(String::strip).filter(l -> !l.isEmpty()).mapToInt(l -> {
            try {
                return Math.max(0, Math.min(100, Integer.parseInt(l)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(p + ": not a whole percentage: " + l, e);
            }
        }).toArray();
        if (v.length == 0) {
            throw new IllegalArgumentException(p + " has no samples");
        }
        return v;
    }

    /** Number of files. */
    public int count() {
        return files.size();
    }

    /** The file name of trace {@code i} (modulo the count). */
    public String name(int i) {
        return names.get(i % names.size());
    }

    /** Trace {@code i} (modulo the count), {@code samples} long, repeating the file as needed. */
    public UtilisationTrace trace(int i, int samples, long sampleMillis) {
        int[] f = files.get(i % files.size());
        int[] p = new int[samples];
        for (int k = 0; k < samples; k++) {
            p[k] = f[k % f.length];
        }
        return new UtilisationTrace(p, sampleMillis);
    }
}
