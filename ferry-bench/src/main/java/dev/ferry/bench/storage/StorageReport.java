package dev.ferry.bench.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of {@code ferry bench storage} as a table on the terminal and as files: {@code storage-disk.csv} (one
 * row per local-disk migration), {@code storage-clones.csv} (one row per provisioning method) and
 * {@code storage.json} (both, plus the set-up).
 */
final class StorageReport {

    static final String DISK_HEADER = "run,system,strategy,migrated,total_ms,downtime_ms,ram_bytes,disk_bytes,"
            + "disk_blocks,rounds,disk_rounds,records,acknowledged,gaps,bad_blocks,consistent,note";
    static final String CLONE_HEADER = "method,count,done,seconds,pss_before_bytes,pss_after_bytes,"
            + "growth_per_copy_bytes,note";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StorageReport() {
    }

    /** Prints the migrations' table. */
    static void printDisk(PrintStream o, List<DiskMigrationResult> runs) {
        o.println("| run | system | strategy | total ms | downtime ms | RAM MiB | disk MiB | disk blocks | rounds "
                + "| disk rounds | records | disk | note |");
        o.println("|----:|--------|----------|---------:|------------:|--------:|---------:|------------:|-------:"
                + "|------------:|--------:|------|------|");
        for (DiskMigrationResult r : runs) {
            o.println(diskRow(r));
        }
    }

    /** One row of the migrations' table. */
    static String diskRow(DiskMigrationResult r) {
        DiskCheck c = r.check();
        String verdict = c == null ? "not checked" : c.consistent() ? "consistent" : "INCONSISTENT";
        String note = c == null || c.consistent() ? r.note()
                : r.note().isEmpty() ? c.summary() : r.note() + "; " + c.summary();
        return String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
                r.run(), r.system(), r.strategy(), ms(r.totalMs()), ms(r.downtimeMs()), mib(r.ramBytes()),
                mib(r.diskBytes()), count(r.diskBlocks()), count(r.rounds()), count(r.diskRounds()),
                c == null ? "-" : c.records(), verdict, note);
    }

    /** Prints the provisioning table. */
    static void printClones(PrintStream o, List<ProvisioningResult> results) {
        o.println("| method | copies | seconds | Pss before MiB | Pss after MiB | growth per copy MiB | note |");
        o.println("|--------|-------:|--------:|---------------:|--------------:|--------------------:|------|");
        for (ProvisioningResult p : results) {
            o.println(cloneRow(p));
        }
    }

    /** One row of the provisioning table. */
    static String cloneRow(ProvisioningResult p) {
        return String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |", p.method(), p.count(),
                p.done() ? String.format(Locale.ROOT, "%.2f", p.seconds()) : "-", mib(p.pssBefore()),
                mib(p.pssAfter()), Double.isNaN(p.growthPerCopy()) ? "-"
                        : String.format(Locale.ROOT, "%.1f", p.growthPerCopy() / 1048576.0), p.note());
    }

    /** The migrations as CSV lines, header first. */
    static List<String> diskCsv(List<DiskMigrationResult> runs) {
        List<String> lines = new ArrayList<>();
        lines.add(DISK_HEADER);
        for (DiskMigrationResult r : runs) {
            DiskCheck c = r.check();
            lines.add(String.join(",", Integer.toString(r.run()), r.system(), r.strategy(),
                    Boolean.toString(r.migrated()), csv(r.totalMs()), csv(r.downtimeMs()), Long.toString(r.ramBytes()),
                    Long.toString(r.diskBytes()), Long.toString(r.diskBlocks()), Integer.toString(r.rounds()),
                    Integer.toString(r.diskRounds()), c == null ? "" : Long.toString(c.records()),
                    c == null ? "" : Long.toString(c.acknowledged()), c == null ? "" : Long.toString(c.gaps()),
                    c == null ? "" : Long.toString(c.badBlocks()), c == null ? "" : Boolean.toString(c.consistent()),
                    quote(r.note())));
        }
        return lines;
    }

    /** The provisioning results as CSV lines, header first. */
    static List<String> clonesCsv(List<ProvisioningResult> results) {
        List<String> lines = new ArrayList<>();
        lines.add(CLONE_HEADER);
        for (ProvisioningResult p : results) {
            lines.add(String.join(",", p.method(), Integer.toString(p.count()), Boolean.toString(p.done()),
                    csv(p.seconds()), Long.toString(p.pssBefore()), Long.toString(p.pssAfter()),
                    csv(p.growthPerCopy()), quote(p.note())));
        }
        return lines;
    }

    /** Writes both CSV files and the JSON file into {@code dir}. */
    static void write(Path dir, ObjectNode setup, List<DiskMigrationResult> runs, List<ProvisioningResult> clones)
            throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("storage-disk.csv"), diskCsv(runs));
        Files.write(dir.resolve("storage-clones.csv"), clonesCsv(clones));
        ObjectNode root = JSON.createObjectNode();
        root.set("setup", setup);
        ArrayNode disk = root.putArray("disk_migrations");
        for (DiskMigrationResult r : runs) {
            ObjectNode n = disk.addObject().put("run", r.run()).put("system", r.system()).put("strategy", r.strategy())
                    .put("migrated", r.migrated()).put("total_ms", r.totalMs()).put("downtime_ms", r.downtimeMs())
                    .put("ram_bytes", r.ramBytes()).put("disk_bytes", r.diskBytes())
                    .put("disk_blocks", r.diskBlocks()).put("rounds", r.rounds()).put("disk_rounds", r.diskRounds())
                    .put("note", r.note());
            if (r.check() != null) {
                n.putObject("check").put("records", r.check().records())
                        .put("acknowledged", r.check().acknowledged()).put("gaps", r.check().gaps())
                        .put("bad_blocks", r.check().badBlocks()).put("first_bad", r.check().firstBad())
                        .put("consistent", r.check().consistent());
            }
        }
        ArrayNode cl = root.putArray("provisioning");
        for (ProvisioningResult p : clones) {
            cl.addObject().put("method", p.method()).put("count", p.count()).put("done", p.done())
                    .put("seconds", p.seconds()).put("pss_before_bytes", p.pssBefore())
                    .put("pss_after_bytes", p.pssAfter()).put("growth_per_copy_bytes", p.growthPerCopy())
                    .put("note", p.note());
        }
        JSON.writeValue(dir.resolve("storage.json").toFile(), root);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static String count(long v) {
        return v < 0 ? "-" : Long.toString(v);
    }

    private static String csv(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
