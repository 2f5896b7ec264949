package dev.ferry.migration.source;

import dev.ferry.migration.wire.ProtocolException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The switchover deadline of one migration (see {@link dev.ferry.migration.policy.SwitchoverDeadline}): armed when
 * the source pauses its VM, it fails the link if READY has not arrived when it passes, which ends every wait of the
 * driver at once (a send to a frozen target, the drain of the page streams, the wait for READY). The driver then
 * aborts before COMMIT and resumes the VM. {@link #ready} and the deadline exclude each other: either READY came
 * first and the migration may commit, or the deadline did and it may not.
 */
final class SwitchoverGuard {

    private SourceLink link;
    private long millis;
    private boolean ready;
    private String expired;

    /**
     * Starts the clock: the deadline passes {@code millis} after {@code pausedNanos} (a {@link System#nanoTime}).
     * The timer runs on the JDK's delay thread; what it does when it fires is short (flags and closes sockets).
     */
    synchronized void arm(SourceLink l, long pausedNanos, long deadlineMillis) {
        this.link = l;
        this.millis = deadlineMillis;
        this.ready = false;
        this.expired = null;
        long left = Math.max(0, pausedNanos + TimeUnit.MILLISECONDS.toNanos(deadlineMillis) - System.nanoTime());
        CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> expire(l));
    }

    /** The deadline in force, in milliseconds (0 before {@link #arm}). */
    synchronized long millis() {
        return millis;
    }

    /** READY arrived: the deadline no longer applies. Throws when it passed first. */
    synchronized void ready() throws ProtocolException {
        if (expired != null) {
            throw new ProtocolException(expired);
        }
        ready = true;
    }

    /** Why the migration was aborted, when the deadline passed before READY; else {@code null}. */
    synchronized String expired() {
        return expired;
    }

    private void expire(SourceLink l) {
        synchronized (this) {
            if (ready || expired != null || l != link) {
                return;
            }
            expired = "the target did not confirm the switchover within the deadline of " + millis + " ms "
                    + "(--switchover-timeout); aborted before COMMIT";
        }
        l.fail(new ProtocolException(expired()));
    }
}
