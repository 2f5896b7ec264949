package dev.ferry.bench.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.measure.GcPauseLog;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's child host: a real second JVM that receives, boots and migrates VMs over loopback. */
class ChildHostTest {

    private static final long REPLY_MILLIS = 120_000;
    private static final Workload SMALL_IDLE = Workload.of("idle", "touch=4M sleep=0", 64L << 20);

    @Test
    void aVmMigratesFromThisJvmIntoTheChildWithGcFiguresOfBothSides() throws Exception {
        MigrationCase.FerryVariant precopy = new MigrationCase.FerryVariant("precopy",
                MigrationOptions.defaults(Strategy.PRECOPY));
        MigrationCase c = new MigrationCase("test", SMALL_IDLE, List.of(precopy), null);
        try (GcPauseLog gc = GcPauseLog.start(); ChildHost target = ChildHost.start("test-target")) {
            MigrationResult r = new FerryMigrationRun(0, 60_000, target, gc)
                    .run(GuestImages.ofInstallation().load("idle"), c, precopy);
            assertThat(r.success()).as(r.note()).isTrue();
            assertThat(r.bytes()).isGreaterThan(4L << 20);
            assertThat(r.downtimeMs()).isNotNaN().isLessThanOrEqualTo(r.totalMs());
            assertThat(r.gcSource().known()).isTrue();
            assertThat(r.gcTarget().known()).isTrue();
        }
    }

    @Test
    void oneChildBootsAVmAndMigratesItToAnother() throws Exception {
        try (ChildHost a = ChildHost.start("test-a"); ChildHost b = ChildHost.start("test-b")) {
            a.call(ChildHost.request("boot").put("name", "vm").put("image", "idle").put("args", SMALL_IDLE.args())
                    .put("ram", SMALL_IDLE.ramBytes()), REPLY_MILLIS);
            JsonNode m = a.call(ChildHost.request("migrate").put("name", "vm")
                    .put("to", "127.0.0.1:" + b.receiver().getPort()).put("strategy", "precopy")
                    .put("maxDowntimeMs", 10).put("timeoutMs", 60_000), REPLY_MILLIS);
            assertThat(m.path("success").asBoolean()).as(m.toString()).isTrue();
            assertThat(m.path("to").asLong()).isGreaterThan(m.path("from").asLong());
            assertThat(ChildHost.gcPauses(m.path("gc")).known()).isTrue();
            JsonNode arrival = b.call(ChildHost.request("outcome").put("name", "vm").put("timeoutMs", 30_000),
                    REPLY_MILLIS);
            assertThat(arrival.path("arrived").asBoolean()).as(arrival.toString()).isTrue();
            assertThat(a.call(ChildHost.request("memory"), REPLY_MILLIS).path("heapUsed").asLong()).isPositive();
        }
    }

    @Test
    void aBadRequestGetsAnErrorAndTheChildAnswersTheNext() throws Exception {
        long pid;
        try (ChildHost host = ChildHost.start("test-bad")) {
            pid = host.pid();
            assertThatThrownBy(() -> host.call(ChildHost.request("frobnicate"), REPLY_MILLIS))
                    .isInstanceOf(IOException.class).hasMessageContaining("unknown request");
            assertThatThrownBy(() -> host.call(ChildHost.request("migrate").put("name", "nothing"), REPLY_MILLIS))
                    .isInstanceOf(IOException.class).hasMessageContaining("no VM named nothing");
            assertThat(host.call(ChildHost.request("memory"), REPLY_MILLIS).path("ok").asBoolean()).isTrue();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the child quit").isNotEqualTo(
                java.util.Optional.of(true));
    }
}
