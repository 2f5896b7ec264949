package dev.ferry.host.migration;

import dev.ferry.host.metrics.Histogram;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.admission.AdmissionQueue;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The migrations a host started, by id, with the totals its metrics show. It remembers every migration under way
 * and the most recent finished ones (at most {@link #DEFAULT_KEEP_FINISHED}); older finished migrations are
 * forgotten, though their outcome, bytes and downtime stay in the totals.
 *
 * <p>Admission control: at most {@code maxRunning} migrations run until their VM runs on the target; the others
 * wait in order of arrival ({@link #admit}, {@link #release}). The host starts what these hand back.
 */
public final class OutgoingMigrations {

    /** How many finished migrations a host remembers by default. */
    public static final int DEFAULT_KEEP_FINISHED = 100;
    /** How many migrations run at once by default. */
    public static final int DEFAULT_MAX_RUNNING = 2;

    private final int keepFinished;
    private final AdmissionQueue admission;
    private final Map<String, OutgoingMigration> byId = new LinkedHashMap<>();
    private final Map<OutgoingMigration.Outcome, AtomicLong> outcomes = new EnumMap<>(OutgoingMigration.Outcome.class);
    private final AtomicLong bytesSent = new AtomicLong();
    private final Histogram downtime = new Histogram(Histogram.DOWNTIME_SECONDS);
    private int finished;
    private volatile double lastDowntimeMs = Double.NaN;
    private volatile double lastTotalTimeMs = Double.NaN;

    /**
     * Remembers the last {@link #DEFAULT_KEEP_FINISHED} finished migrations and runs
     * {@link #DEFAULT_MAX_RUNNING} at once.
     */
    public OutgoingMigrations() {
        this(DEFAULT_KEEP_FINISHED, DEFAULT_MAX_RUNNING);
    }

    /** Remembers the last {@code keepFinished} finished migrations; the default number runs at once. */
    public OutgoingMigrations(int keepFinished) {
        this(keepFinished, DEFAULT_MAX_RUNNING);
    }

    /** Remembers the last {@code keepFinished} finished migrations and runs {@code maxRunning} at once. */
    public OutgoingMigrations(int keepFinished, int maxRunning) {
        if (keepFinished < 1) {
            throw new IllegalArgumentException("a host remembers at least one finished migration");
        }
        this.keepFinished = keepFinished;
        this.admission = new AdmissionQueue(maxRunning, Long.MAX_VALUE, System::nanoTime);
        for (OutgoingMigration.Outcome o : OutgoingMigration.Outcome.values()) {
            outcomes.put(o, new AtomicLong());
        }
    }

    /** Adds a started migration. */
    public synchronized void add(OutgoingMigration m) {
        byId.put(m.id(), m);
    }

    /** Asks a slot for an added migration: 0 when it may start now, else its place in the queue (1 = next). */
    public synchronized int admit(OutgoingMigration m) {
        return admission.offer(m.id());
    }

    /**
     * Frees the slot of {@code m} (its VM runs on the target, or it ended) or takes it out of the queue, and returns
     * the queued migrations that may start now, oldest first.
     */
    public synchronized List<OutgoingMigration> release(OutgoingMigration m) {
        admission.release(m.id());
        return admission.admitWaiting().stream().map(byId::get).filter(Objects::nonNull).toList();
    }

    /** Migrations waiting for a slot. */
    public synchronized int queued() {
        return admission.waiting();
    }

    /** The place of {@code m} in the queue (1 = next), 0 when it is not waiting. */
    public synchronized int position(OutgoingMigration m) {
        return admission.position(m.id());
    }

    /** Migrations run at once. */
    public int maxRunning() {
        return admission.limit();
    }

    /** The migration of this id. */
    public synchronized Optional<OutgoingMigration> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** All that are remembered, oldest first. */
    public synchronized List<OutgoingMigration> all() {
        return new ArrayList<>(byId.values());
    }

    /** Those still running. */
    public synchronized List<OutgoingMigration> running() {
        return byId.values().stream().filter(m -> m.outcome() == null).toList();
    }

    /**
     * Records the end of a migration in it and in the totals, forgets the oldest finished migrations beyond the
     * limit, and returns the VM it moved with the outcome.
     */
    public OutgoingMigration.Ended finish(OutgoingMigration m, MigrationReport report) {
        OutgoingMigration.Ended ended = m.finish(report);
        outcomes.get(ended.outcome()).incrementAndGet();
        bytesSent.addAndGet(report.bytesOnWire());
        if (ended.outcome() == OutgoingMigration.Outcome.COMPLETED) {
            lastDowntimeMs = report.downtimeMs();
            lastTotalTimeMs = report.totalTimeMs();
            downtime.observe(report.downtimeMs() / 1e3);
        }
        forgetOldFinished();
        return ended;
    }

    private synchronized void forgetOldFinished() {
        finished++;
        Iterator<OutgoingMigration> it = byId.values().iterator();
        while (finished > keepFinished && it.hasNext()) {
            if (it.next().outcome() != null) {
                it.remove();
                finished--;
            }
        }
    }

    /** Finished migrations with this outcome (forgotten ones included). */
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

    /** Downtime of every completed migration, in seconds. */
    public Histogram.Snapshot downtimeSeconds() {
        return downtime.snapshot();
    }
}
