package dev.ferry.migration;

/**
 * A live view of a running migration, as {@code ferry migrate --status} and the HTTP API show it.
 *
 * @param id                  migration id
 * @param vm                  VM name
 * @param strategy            chosen strategy
 * @param phase               where it is
 * @param round               current pre-copy round (1-based; 0 before the first)
 * @param remainingPages      pages still to send (dirty or not yet sent)
 * @param dirtyRatePagesPerSec pages dirtied per second in the last round
 * @param rateLimitBitsPerSec current send-rate limit, 0 = unlimited
 * @param throttle            fraction of time the vCPU is held back (auto-converge), 0..1
 * @param bytesSent           bytes on the wire so far
 * @param elapsedMillis       time since the migration started
 * @param error               why it failed, or {@code null}
 */
public record MigrationStatus(String id, String vm, Strategy strategy, MigrationPhase phase, int round,
        long remainingPages, double dirtyRatePagesPerSec, long rateLimitBitsPerSec, double throttle, long bytesSent,
        long elapsedMillis, String error) { }
