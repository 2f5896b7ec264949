package dev.ferry.cluster.manager;

import dev.ferry.cluster.model.Move;
import dev.ferry.cluster.schedule.MigrationCostModel;
import dev.ferry.cluster.schedule.MigrationQueue;
import dev.ferry.host.api.MigrateRequest;
import dev.ferry.host.api.MigrationView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Carries out the moves of plans as live migrations on the hosts: a {@link MigrationQueue} (FIFO, started as the
 * limits per host and per link allow), each one asked of its source host and followed there until it ends. One dispatcher thread; each running migration is followed on a virtual thread.
 */
final class MoveExecutor implements AutoCloseable {

    /** Default limit of migrations running at once out of or into one host. */
    static final int DEFAULT_MAX_PER_HOST = 2;
    /** Default limit of migrations running at once between two hosts, either way. */
    static final int DEFAULT_MAX_PER_LINK = 1;
    private static final long POLL_MILLIS = 150;

    private final Function<String, Optional<HostApi>> hosts;
    private final Function<String, Optional<String>> addresses;
    private final LongSupplier clock;
    private final Consumer<String> log;
    private final MigrationQueue queue;
    private final List<ClusterMigration> all = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread dispatcher;
    private volatile boolean closed;

    /**
     * @param hosts     the API client of a host, by name
     * @param addresses a host's control API address (HOST:PORT), by name
     * @param clock     milliseconds
     */
    MoveExecutor(Function<String, Optional<HostApi>> hosts, Function<String, Optional<String>> addresses,
            LongSupplier clock, Consumer<String> log, int maxPerHost, int maxPerLink) {
        this.hosts = hosts;
        this.addresses = addresses;
        this.clock = clock;
        this.log = log;
        this.queue = new MigrationQueue(maxPerHost, maxPerLink);
        this.dispatcher = new Thread(this::dispatch, "cluster-moves");
        this.dispatcher.setDaemon(true);
        this.dispatcher.start();
    }

    /**
     * Queues a move with its predicted cost, unless the VM has a move queued or running already (that one's record
     * is returned then).
     */
    synchronized ClusterMigration submit(Move m, MigrationCostModel.Prediction predicted) {
        for (ClusterMigration c : all) {
            if (!c.finished() && c.move.vm().equals(m.vm())) {
                return c;
            }
        }
        ClusterMigration c = new ClusterMigration("m" + ids.incrementAndGet(), m, clock.getAsLong(), predicted);
        all.add(c);
        queue.offer(m);
        notifyAll();
        return c;
    }

    /** Every migration, oldest first. */
    synchronized List<ClusterMigration> all() {
        return new ArrayList<>(all);
    }

    /** True when no migration is queued or running. */
    synchronized boolean idle() {
        return all.stream().allMatch(ClusterMigration::finished);
    }

    /** True when a move of {@code vm} is queued or running. */
    synchronized boolean moving(String vm) {
        return all.stream().anyMatch(c -> !c.finished() && c.move.vm().equals(vm));
    }

    private void dispatch() {
        while (!closed) {
            List<ClusterMigration> start = new ArrayList<>();
            synchronized (this) {
                for (Move m : queue.start()) {
                    for (ClusterMigration c : all) {
                        if (c.state == ClusterMigration.State.QUEUED && c.move.equals(m)) {
                            c.state = ClusterMigration.State.RUNNING;
                            start.add(c);
                            break;
                        }
                    }
                }
                if (start.isEmpty()) {
                    try {
                        wait(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
            }
            for (ClusterMigration c : start) {
                Thread.ofVirtual().name("cluster-move-" + c.id).start(() -> follow(c));
            }
        }
    }

    /** Runs one migration on its source host and follows it there until it ends. */
    private void follow(ClusterMigration c) {
        Move m = c.move;
        try {
            HostApi source = hosts.apply(m.from()).orElseThrow(() -> new IOException("unknown host " + m.from()));
            String to = addresses.apply(m.to()).orElseThrow(() -> new IOException("unknown host " + m.to()));
            c.hostMigrationId = source.migrate(m.vm(), new MigrateRequest(to, "precopy", null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null));
            log.accept("migration " + c.id + ": " + m.vm() + " " + m.from() + " -> " + m.to() + " (" + m.reason()
                    + "), " + m.from() + " calls it " + c.hostMigrationId);
            while (!closed) {
                MigrationView v = source.migration(c.hostMigrationId);
                c.last = v;
                if (v.done()) {
                    boolean ok = v.report() != null && v.report().success();
                    c.error = ok ? null : v.error() != null ? v.error() : "failed";
                    end(c, ok);
                    log.accept("migration " + c.id + " of " + m.vm() + (ok ? String.format(" done: downtime %.1f ms, "
                            + "total %.0f ms", v.report().downtimeMs(), v.report().totalTimeMs()) : " failed: "
                            + c.error));
                    return;
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (IOException | RuntimeException e) {
            c.error = e.getMessage() == null ? e.toString() : e.getMessage();
            end(c, false);
            log.accept("migration " + c.id + " of " + m.vm() + " failed: " + c.error);
        } catch (InterruptedException e) {
            c.error = "the manager stopped";
            end(c, false);
        }
    }

    private synchronized void end(ClusterMigration c, boolean ok) {
        queue.done(c.move);
        c.state = ok ? ClusterMigration.State.DONE : ClusterMigration.State.FAILED;
        c.endedAtMillis = clock.getAsLong();
        notifyAll();
    }

    @Override
    public void close() {
        closed = true;
        dispatcher.interrupt();
    }
}
