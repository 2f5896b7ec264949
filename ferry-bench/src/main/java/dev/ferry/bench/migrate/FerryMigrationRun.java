package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.bench.measure.GcPauseLog;
import dev.ferry.bench.measure.GcPauses;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.migration.MigrationReport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Migrates one real-time Ferry VM from this JVM to a target host in another JVM ({@link ChildHost}) over
 * loopback TCP, as two hosts would, and records the GC pauses of both JVMs during the migration.
 */
final class FerryMigrationRun {

    private static final long OUTCOME_MILLIS = 30_000;
    private static final long CLEANUP_MILLIS = 2_000;
    private static final Duration GC_WAIT = Duration.ofSeconds(3);

    private final long warmupMillis;
    private final long timeoutMillis;
    private final ChildHost target;
    private final GcPauseLog sourceGc;
    private int serial;

    /**
     * @param target   the receiving host
     * @param sourceGc this JVM's GC record
     */
    FerryMigrationRun(long warmupMillis, long timeoutMillis, ChildHost target, GcPauseLog sourceGc) {
        this.warmupMillis = warmupMillis;
        this.timeoutMillis = timeoutMillis;
        this.target = target;
        this.sourceGc = sourceGc;
    }

    /** Boots the guest, waits until it is ready plus the warm-up, migrates it with the variant, releases both sides. */
    MigrationResult run(ElfImage image, MigrationCase c, MigrationCase.FerryVariant variant) throws Exception {
        Workload w = c.workload();
        String name = "bench-" + c.name() + "-" + ++serial;
        VmRunner vm;
        try {
            vm = GuestBoot.start(image, w, name);
        } catch (TimeoutException e) {
            return MigrationResult.failed("ferry", c, variant.label(), e.getMessage());
        }
        try {
            Thread.sleep(warmupMillis);
            if (vm.state() != VmRunner.RunState.RUNNING) {
                return MigrationResult.failed("ferry", c, variant.label(), "guest is " + vm.state()
                        + " before migrating");
            }
            OutgoingMigration.Outcome o = OutgoingMigration.run(vm, w.ramBytes(), target.receiver(),
                    variant.options(), variant.encryption(), timeoutMillis);
            List<String> notes = new ArrayList<>();
            boolean arrived = arrived(name, o.success(), notes);
            target.sendGcQuery(o.from(), o.to());
            GcPauses source = sourceGc.during(o.from(), o.to(), GC_WAIT);
            GcPauses targetGc = ChildHost.gcPauses(target.await(GC_WAIT.toMillis() + 10_000));
            if (o.report() == null) {
                return new MigrationResult("ferry", c.name(), variant.label(), w, false, Double.NaN, Double.NaN, -1,
                        0, source, targetGc, o.failure());
            }
            MigrationReport report = o.report();
            if (report.success()) {
                notes.addAll(0, report.notes());
            } else {
                notes.add(0, report.error());
            }
            return new MigrationResult("ferry", c.name(), variant.label(), w, arrived, report.totalTimeMs(),
                    report.downtimeMs(), report.bytesOnWire(), precopyRounds(report), source, targetGc,
                    String.join("; ", notes));
        } finally {
            vm.close();
            vm.machine().close();
        }
    }

    /**
     * True when the target reports the VM arrived and running; says otherwise in {@code notes}. After a failed
     * migration it only makes sure that nothing stays behind on the target (a VM that arrived is shut down).
     */
    private boolean arrived(String name, boolean migrated, List<String> notes)
            throws IOException, InterruptedException {
        long wait = migrated ? OUTCOME_MILLIS : CLEANUP_MILLIS;
        JsonNode reply = target.call(ChildHost.request("outcome").put("name", name).put("timeoutMs", wait),
                wait + 10_000);
        if (!migrated) {
            return false;
        }
        if (!reply.path("arrived").asBoolean()) {
            notes.add("the target says: " + reply.path("reason").asText());
            return false;
        }
        String state = reply.path("state").asText();
        if (!state.equals(VmRunner.RunState.RUNNING.toString())) {
            notes.add("the VM is " + state + " on the target");
            return false;
        }
        return true;
    }

    private static int precopyRounds(MigrationReport report) {
        return (int) report.rounds().stream().filter(r -> r.kind().equals("precopy")).count();
    }
}
