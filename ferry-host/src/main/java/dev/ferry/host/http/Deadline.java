package dev.ferry.host.http;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection's socket when the phase it is in takes too long; a blocked read or write on it then
 * fails at once. Each phase sets a new deadline, or none. Once the endpoint is closed, every deadline has passed.
 */
final class Deadline {

    private final ScheduledExecutorService timer;
    private final Closeable socket;
    private ScheduledFuture<?> pending;
    private volatile boolean expired;

    Deadline(ScheduledExecutorService timer, Closeable socket) {
        this.timer = timer;
        this.socket = socket;
    }

    /** Closes the socket {@code nanos} from now unless another deadline or {@link #cancel} comes first. */
    synchronized void after(long nanos) {
        cancel();
        try {
            pending = timer.schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            expire();
        }
    }

    /** No deadline for now. */
    synchronized void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /** True once a deadline passed and closed the socket. */
    boolean expired() {
        return expired;
    }

    private void expire() {
        expired = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }
}
