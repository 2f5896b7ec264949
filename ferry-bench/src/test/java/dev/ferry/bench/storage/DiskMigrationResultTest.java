package dev.ferry.bench.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DiskMigrationResultTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFerryReportGivesMemoryBytesAsTheWireLessTheDisk() throws Exception {
        JsonNode report = JSON.readTree("""
                {"id":"A-1","vm":"disk","strategy":"precopy","outcome":"completed","success":true,
                 "rounds":[{"round":1},{"round":2},{"round":3}],"total_time_ms":2481.5,"downtime_ms":12.25,
                 "bytes_on_wire":1200000000,"disk_blocks":262144,"disk_bytes":1075000000,"disk_rounds":2,
                 "notes":[]}""");
        DiskMigrationResult r = DiskMigrationResult.ferry(1, "precopy", report);
        assertThat(r.migrated()).isTrue();
        assertThat(r.totalMs()).isEqualTo(2481.5);
        assertThat(r.downtimeMs()).isEqualTo(12.25);
        assertThat(r.ramBytes()).isEqualTo(125_000_000L);
        assertThat(r.diskBytes()).isEqualTo(1_075_000_000L);
        assertThat(r.diskBlocks()).isEqualTo(262144);
        assertThat(r.rounds()).isEqualTo(3);
        assertThat(r.diskRounds()).isEqualTo(2);
        assertThat(r.note()).isEmpty();
        assertThat(r.success()).as("not checked yet").isFalse();
    }

    @Test
    void aFerryReportWithoutDiskFiguresSaysSo() throws Exception {
        JsonNode report = JSON.readTree("""
                {"outcome":"completed","success":true,"rounds":[{}],"total_time_ms":300,"downtime_ms":3,
                 "bytes_on_wire":5000000}""");
        DiskMigrationResult r = DiskMigrationResult.ferry(2, "postcopy", report);
        assertThat(r.ramBytes()).isEqualTo(5_000_000L);
        assertThat(r.diskBytes()).isEqualTo(-1);
        assertThat(r.note()).contains("no disk_bytes");
    }

    @Test
    void aFailedFerryMigrationKeepsItsError() throws Exception {
        JsonNode report = JSON.readTree("""
                {"outcome":"failed","success":false,"error":"target refused the disk","rounds":[]}""");
        DiskMigrationResult r = DiskMigrationResult.ferry(3, "precopy", report);
        assertThat(r.migrated()).isFalse();
        assertThat(r.note()).isEqualTo("target refused the disk");
    }

    @Test
    void qemusAnswerGivesRamAndTheDiskBytesSeenWhileActive() throws Exception {
        JsonNode info = JSON.readTree("""
                {"expected-downtime":300,"status":"completed","setup-time":2,"total-time":9123,"downtime":45,
                 "ram":{"total":268566528,"postcopy-requests":0,"dirty-sync-count":4,"multifd-bytes":0,
                  "pages-per-second":31000,"downtime-bytes":1200000,"page-size":4096,"remaining":0,
                  "postcopy-bytes":0,"mbps":1700.5,"transferred":98000000,"dirty-sync-missed-zero-copy":0,
                  "precopy-bytes":96800000,"duplicate":40000,"dirty-pages-rate":120,"skipped":0,
                  "normal-bytes":97000000,"normal":23681}}""");
        DiskMigrationResult r = DiskMigrationResult.qemu(4, "precopy", info, 1_073_741_824L);
        assertThat(r.migrated()).isTrue();
        assertThat(r.totalMs()).isEqualTo(9123);
        assertThat(r.downtimeMs()).isEqualTo(45);
        assertThat(r.ramBytes()).isEqualTo(98_000_000L);
        assertThat(r.diskBytes()).isEqualTo(1_073_741_824L);
        assertThat(r.rounds()).isEqualTo(4);
        assertThat(r.diskBlocks()).isEqualTo(-1);
    }

    @Test
    void qemusDiskFiguresCountWhenTheAnswerStillHasThem() throws Exception {
        JsonNode info = JSON.readTree("""
                {"status":"completed","total-time":100,"downtime":5,"ram":{"transferred":10,"dirty-sync-count":2},
                 "disk":{"total":1073741824,"remaining":0,"transferred":1074000000}}""");
        assertThat(DiskMigrationResult.qemu(5, "precopy", info, 900_000_000L).diskBytes()).isEqualTo(1_074_000_000L);
    }

    @Test
    void aFailedQemuMigrationSaysWhy() throws Exception {
        JsonNode info = JSON.readTree("""
                {"status":"failed","error-desc":"Unable to write to socket: Broken pipe"}""");
        DiskMigrationResult r = DiskMigrationResult.qemu(6, "postcopy", info, 0);
        assertThat(r.migrated()).isFalse();
        assertThat(r.note()).isEqualTo("failed: Unable to write to socket: Broken pipe");
    }
}
