package dev.ferry.sim.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a run's files into a directory: hosts.csv, vms.csv, migrations.csv, timeline.csv (one row per sample)
 * and summary.json. Numbers are written with a fixed locale, so the same run gives the same bytes.
 */
public final class ResultFiles {

    /** The JSON form of summaries (snake_case keys, indented). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ResultFiles() {
    }

    /** Writes every file of {@code r} with {@code summary} into {@code dir} (created if needed). */
    public static void write(Path dir, SimResult r, Summary summary) {
        try {
            Files.createDirectories(dir);
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("hosts.csv"))) {
                w.write("host,cores,memory_bytes,final_power,vms_at_end,active_hours,overload_hours,energy_kwh,"
                        + "migrations_out,migrations_in\n");
                for (SimHost h : r.hosts()) {
                    w.write(String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%.4f,%.4f,%.6f,%d,%d%n", h.name(),
                            num(h.cores()), h.memoryBytes(), h.power(), h.vmCount(), h.activeMillis() / 3.6e6,
                            h.overloadMillis() / 3.6e6, h.joules() / 3.6e6, h.migrationsOut(), h.migrationsIn()));
                }
            }
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("vms.csv"))) {
                w.write("vm,vcpus,memory_bytes,working_set_bytes,dirty_pages_per_sec,mean_utilization,host_at_end,"
                        + "migrations,downtime_s,requested_core_hours,degraded_core_hours\n");
                for (SimVm v : r.vms()) {
                    w.write(String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%.4f,%s,%d,%.6f,%.6f,%.6f%n", v.name(),
                            num(v.vcpus()), v.memoryBytes(), v.workingSetBytes(), num(v.dirtyPagesPerSec()),
                            v.trace().mean(), v.host().name(), v.migrations(), v.downtimeSeconds(),
                            v.requestedCoreMillis() / 3.6e6, v.degradedCoreMillis() / 3.6e6));
                }
            }
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("migrations.csv"))) {
                w.write("vm,from,to,reason,start_s,end_s,duration_s,link_bytes_per_sec,downtime_s,bytes,rounds,"
                        + "aborted,outcome\n");
                for (MigrationRecord m : r.migrations()) {
                    w.write(String.format(Locale.ROOT, "%s,%s,%s,%s,%.3f,%.3f,%.3f,%.0f,%.6f,%d,%d,%b,%s%n", m.vm(),
                            m.from(), m.to(), csv(m.reason()), m.startMillis() / 1e3, m.endMillis() / 1e3,
                            (m.endMillis() - m.startMillis()) / 1e3, m.linkBytesPerSec(), m.downtimeSeconds(),
                            m.bytes(), m.rounds(), m.aborted(), csv(m.outcome())));
                }
            }
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("timeline.csv"))) {
                w.write("time_s,active_hosts,overloaded_hosts,watts,planned_moves,running,waiting\n");
                for (Sample s : r.samples()) {
                    w.write(String.format(Locale.ROOT, "%d,%d,%d,%.1f,%d,%d,%d%n", s.atMillis() / 1000,
                            s.activeHosts(), s.overloadedHosts(), s.watts(), s.plannedMoves(), s.running(),
                            s.waiting()));
                }
            }
            JSON.writeValue(dir.resolve("summary.json").toFile(), summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir, e);
        }
    }

    private static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String csv(String s) {
        return s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 ? s
                : '"' + s.replace("\"", "\"\"").replace('\n', ' ') + '"';
    }
}
