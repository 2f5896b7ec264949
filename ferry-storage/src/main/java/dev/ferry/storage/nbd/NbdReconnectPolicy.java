package dev.ferry.storage.nbd;

/**
 * When the NBD client may try to reach its server again. A connection that drops while it was working is
 * re-established at once, for the request that noticed; after a failed attempt, requests fail at once (the guest
 * sees I/O errors) until {@code backoff} has passed, so a dead server costs each request nothing but the error, and
 * I/O resumes by itself once the server is back. A plain object fed with instants of the caller's clock.
 */
final class NbdReconnectPolicy {

    private final long backoffNanos;
    private boolean failedBefore;
    private long notBefore;

    NbdReconnectPolicy(long backoffNanos) {
        if (backoffNanos < 0) {
            throw new IllegalArgumentException("negative backoff");
        }
        this.backoffNanos = backoffNanos;
    }

    /** Whether a connection attempt may start at {@code now}. */
    boolean mayConnect(long now) {
        return !failedBefore || now - notBefore >= 0;
    }

    /** An attempt that started at {@code now} failed. */
    void failed(long now) {
        failedBefore = true;
        notBefore = now + backoffNanos;
    }

    /** An attempt succeeded: the next drop is retried at once again. */
    void connected() {
        failedBefore = false;
    }

    /** Nanoseconds from {@code now} until an attempt may start (0 when it may now). */
    long waitNanos(long now) {
        return mayConnect(now) ? 0 : notBefore - now;
    }
}
