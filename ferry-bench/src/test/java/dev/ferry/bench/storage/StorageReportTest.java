package dev.ferry.bench.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageReportTest {

    @TempDir
    Path tmp;

    private static DiskMigrationResult ferry() {
        return new DiskMigrationResult(1, "ferry", "precopy", true, 2500, 12.5, 100L << 20, 1L << 30, 262144, 3, 2,
                new DiskCheck(140, 139, 0, 0, -1), "");
    }

    private static DiskMigrationResult broken() {
        return new DiskMigrationResult(2, "qemu", "postcopy", true, 9000, 40, 90L << 20, 1L << 30, -1, 4, -1,
                new DiskCheck(120, 130, 1, 0, 57), "a \"quoted\" note");
    }

    @Test
    void aRowShowsFiguresInMsAndMibAndTheVerdict() {
        assertThat(StorageReport.diskRow(ferry())).isEqualTo(
                "| 1 | ferry | precopy | 2500.0 | 12.5 | 100.0 | 1024.0 | 262144 | 3 | 2 | 140 | consistent |  |");
        assertThat(StorageReport.diskRow(broken())).contains("| - | 4 | - | 120 | INCONSISTENT |",
                "10 acknowledged records missing", "first bad block 57");
    }

    @Test
    void aRunWithoutFiguresShowsDashes() {
        assertThat(StorageReport.diskRow(DiskMigrationResult.failed(3, "ferry", "postcopy", "boot")))
                .isEqualTo("| 3 | ferry | postcopy | - | - | - | - | - | - | - | - | not checked | boot |");
    }

    @Test
    void provisioningRowsShowGrowthPerCopy() {
        ProvisioningResult p = ProvisioningResult.done("clone", 10, 0.84, 300L << 20, 320L << 20, "");
        assertThat(StorageReport.cloneRow(p)).isEqualTo("| clone | 10 | 0.84 | 300.0 | 320.0 | 2.0 |  |");
        assertThat(StorageReport.cloneRow(ProvisioningResult.skipped("clone", 10, "no command")))
                .isEqualTo("| clone | 10 | - | - | - | - | no command |");
    }

    @Test
    void filesHoldEveryRunWithQuotedNotes() throws Exception {
        ProvisioningResult p = ProvisioningResult.done("full-copy", 10, 31.5, 300L << 20, 900L << 20, "");
        StorageReport.write(tmp, new ObjectMapper().createObjectNode().put("disk_bytes", 1L << 30),
                List.of(ferry(), broken()), List.of(p));
        List<String> disk = Files.readAllLines(tmp.resolve("storage-disk.csv"));
        assertThat(disk).hasSize(3);
        assertThat(disk.get(0)).isEqualTo(StorageReport.DISK_HEADER);
        assertThat(disk.get(2)).endsWith(",120,130,1,0,false,\"a \"\"quoted\"\" note\"");
        assertThat(Files.readAllLines(tmp.resolve("storage-clones.csv")).get(1))
                .startsWith("full-copy,10,true,31.500,314572800,943718400,62914560.000,");
        JsonNode json = new ObjectMapper().readTree(tmp.resolve("storage.json").toFile());
        assertThat(json.path("disk_migrations")).hasSize(2);
        assertThat(json.path("disk_migrations").get(1).path("check").path("consistent").asBoolean()).isFalse();
        assertThat(json.path("provisioning").get(0).path("growth_per_copy_bytes").asDouble()).isEqualTo(60L << 20);
        assertThat(json.path("setup").path("disk_bytes").asLong()).isEqualTo(1L << 30);
    }
}
