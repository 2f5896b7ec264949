package dev.ferry.host.api;

/**
 * {@code GET /v1/migrations/ID}: the live status, and the report once it is done.
 *
 * @param id                  migration id
 * @param vm                  VM name
 * @param to                  the target's control API address
 * @param strategy            chosen strategy
 * @param phase               setup, precopy, stop_and_copy, postcopy, postcopy_paused, completed, failed, cancelled
 * @param round               current pre-copy round
 * @param remainingPages      pages still to send
 * @param dirtyRatePagesPerS  pages dirtied per second in the last round
 * @param rateLimitBitsPerS   current send-rate limit, 0 = unlimited
 * @param throttle            fraction of time the vCPU is held back
 * @param bytesSent           bytes on the wire so far
 * @param elapsedMs           time since start
 * @param error               why it failed
 * @param done                true once the report is in
 * @param report              the report, once done
 */
public record MigrationView(String id, String vm, String to, String strategy, String phase, int round,
        long remainingPages, double dirtyRatePagesPerS, long rateLimitBitsPerS, double throttle, long bytesSent,
        long elapsedMs, String error, boolean done, ReportView report) { }
