package dev.ferry.host.migration;

import dev.ferry.migration.MigrationReport;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** The migrations a host started, by id, with the totals its metrics show. */
public final class OutgoingMigrations {

    private final Map<String, OutgoingMigration> byId = new LinkedHashMap<>();
    private final Map<OutgoingMigration.Outcome, AtomicLong> outcomes = new EnumMap<>(OutgoingMigration.Outcome.class);
    private final AtomicLong bytesSent = new AtomicLong();
    private volatile double lastDowntimeMs = Double.NaN;
    private volatile double lastTotalTimeMs = Double.NaN;

    /** Empty. */
    public OutgoingMigrations() {
        for (OutgoingMigration.Outcome o : OutgoingMigration.Outcome.values()) {
            outcomes.put(o, new AtomicLong());
        }
    }

    /** Adds a started migration. */
    public synchronized void add(OutgoingMigration m) {
        byId.put(m.id(), m);
    }

    /** The migration of this id. */
    public synchronized Optional<OutgoingMigration> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** All, oldest first. */
    public synchronized List<OutgoingMigration> all() {
        return new ArrayList<>(byId.values());
    }

    /** Those still running. */
    public synchronized List<OutgoingMigration> running() {
        return byId.values().stream().filter(m -> m.outcome() == null).toList();
    }

    /** Records the end of a migration in it and in the totals; returns its outcome. */
    public OutgoingMigration.Outcome finish(OutgoingMigration m, MigrationReport report) {
        OutgoingMigration.Outcome o = m.finish(report);
        outcomes.get(o).incrementAndGet();
        bytesSent.addAndGet(report.bytesOnWire());
        if (o == OutgoingMigration.Outcome.COMPLETED) {
            lastDowntimeMs = report.downtimeMs();
            lastTotalTimeMs = report.totalTimeMs();
        }
        return o;
    }

    /** Finished migrations with this outcome. */
    public long count(OutgoingMigration.Outcome o) {
        return outcomes.get(o).get();
    }

    /** Bytes on the wire of all finished migrations. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Downtime of the last completed migration, NaN before the first. */
    public double lastDowntimeMs() {
        return lastDowntimeMs;
    }

    /** Total time of the last completed migration, NaN before the first. */
    public double lastTotalTimeMs() {
        return lastTotalTimeMs;
    }
}
