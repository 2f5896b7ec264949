package dev.ferry.host.api;

import dev.ferry.migration.RoundReport;

/** One round of a migration report, in API units. */
public record RoundView(int round, String kind, long pages, long bytes, double durationMs,
        double dirtyRatePagesPerS, long rateLimitBitsPerS) {

    /** Converts an engine round. */
    public static RoundView of(RoundReport r) {
        return new RoundView(r.round(), r.kind(), r.pages(), r.bytes(), r.durationMs(), r.dirtyRatePagesPerSec(),
                r.rateLimitBitsPerSec());
    }
}
