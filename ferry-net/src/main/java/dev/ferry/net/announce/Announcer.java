package dev.ferry.net.announce;

import dev.ferry.net.frame.AnnounceFrames;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.SwitchPort;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Announces VMs that have just moved to this host: every round of an {@link AnnounceSchedule}, for each target a
 * gratuitous ARP (if its IPv4 address is known) and a RARP, injected into the switch as if the VM had sent them
 * from its port, so this switch, every linked switch and every neighbour learn where the VM is now. The rounds run
 * on a caller's scheduled executor.
 */
public final class Announcer {

    private final LearningSwitch sw;
    private final ScheduledExecutorService executor;
    private final AnnounceSchedule schedule;
    private final LongSupplier clock;

    /** Announces on {@code sw}, timed by {@code schedule} on {@code executor}; {@code clock} (ns) dates rounds. */
    public Announcer(LearningSwitch sw, ScheduledExecutorService executor, AnnounceSchedule schedule,
                     LongSupplier clock) {
        this.sw = sw;
        this.executor = executor;
        this.schedule = schedule;
        this.clock = clock;
    }

    /** Starts announcing {@code targets}: the first round is submitted at once. */
    public Announcement start(List<AnnounceTarget> targets) {
        Announcement a = new Announcement(List.copyOf(targets));
        executor.execute(() -> round(a, 0));
        return a;
    }

    /**
     * Sends one round for {@code targets} on the calling thread: the frames of each target whose VM port is on the
     * switch. Returns the number of frames sent.
     */
    public int sendRound(List<AnnounceTarget> targets) {
        int sent = 0;
        for (AnnounceTarget t : targets) {
            SwitchPort port = sw.vmPort(t.mac()).orElse(null);
            if (port == null) {
                continue;
            }
            if (t.ipv4() != null) {
                byte[] arp = AnnounceFrames.gratuitousArp(t.mac(), t.ipv4());
                sw.inject(port, arp, 0, arp.length);
                sent++;
            }
            byte[] rarp = AnnounceFrames.rarp(t.mac());
            sw.inject(port, rarp, 0, rarp.length);
            sent++;
        }
        return sent;
    }

    private void round(Announcement a, int r) {
        if (a.cancelled) {
            a.done.complete(null);
            return;
        }
        try {
            a.frames.addAndGet(sendRound(a.targets));
            a.rounds.incrementAndGet();
            if (r == 0) {
                a.firstRound.complete(clock.getAsLong());
            }
            if (r + 1 < schedule.rounds()) {
                executor.schedule(() -> round(a, r + 1), schedule.delayBeforeRound(r + 1), TimeUnit.MILLISECONDS);
            } else {
                a.done.complete(null);
            }
        } catch (RuntimeException e) {
            a.firstRound.completeExceptionally(e);
            a.done.completeExceptionally(e);
        }
    }

    /** One announcement in progress. */
    public static final class Announcement {
        private final List<AnnounceTarget> targets;
        private final CompletableFuture<Long> firstRound = new CompletableFuture<>();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicInteger rounds = new AtomicInteger();
        private final AtomicLong frames = new AtomicLong();
        private volatile boolean cancelled;

        private Announcement(List<AnnounceTarget> targets) {
            this.targets = targets;
        }

        /** Completes with the clock's time (ns) once the first round has gone out. */
        public CompletableFuture<Long> firstRound() {
            return firstRound;
        }

        /** Completes when the last round has gone out, or the next one after {@link #cancel}. */
        public CompletableFuture<Void> done() {
            return done;
        }

        /** Rounds sent so far. */
        public int rounds() {
            return rounds.get();
        }

        /** Frames sent so far. */
        public long frames() {
            return frames.get();
        }

        /** Sends no further round. */
        public void cancel() {
            cancelled = true;
        }
    }
}
