package dev.ferry.migration;

/**
 * One pre-copy round (or the stop-and-copy, or the post-copy phase) in a report.
 *
 * @param round               1-based round number
 * @param kind                "precopy", "stop-and-copy", "postcopy"
 * @param pages               pages sent
 * @param bytes               bytes on the wire
 * @param durationMs          wall-clock duration
 * @param dirtyRatePagesPerSec pages the guest dirtied per second during the round
 * @param rateLimitBitsPerSec send-rate limit in force, 0 = unlimited
 */
public record RoundReport(int round, String kind, long pages, long bytes, double durationMs,
        double dirtyRatePagesPerSec, long rateLimitBitsPerSec) { }
