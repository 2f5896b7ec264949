package dev.ferry.bench.storage;

/**
 * How long a host took to start {@code count} copies of a running VM, and how much its memory grew.
 *
 * @param method    {@code clone} ({@code ferry vm clone}) or {@code full-copy} ({@code vm create} on copied disks)
 * @param count     copies asked for
 * @param done      true when all of them ran
 * @param seconds   from the first request until every copy ran (a full copy: its guest booted to its marker)
 * @param pssBefore the host process's Pss with only the original VM running, bytes
 * @param pssAfter  the same with the copies running, bytes
 * @param note      what went wrong or needs saying, or empty
 */
record ProvisioningResult(String method, int count, boolean done, double seconds, long pssBefore, long pssAfter,
        String note) {

    /** A method that could not be measured. */
    static ProvisioningResult skipped(String method, int count, String reason) {
        return new ProvisioningResult(method, count, false, Double.NaN, -1, -1, reason);
    }

    /** Pss growth per copy in bytes (negative when the host shrank), or NaN when not measured. */
    double growthPerCopy() {
        return done && pssBefore >= 0 && pssAfter >= 0 && count > 0 ? (pssAfter - pssBefore) / (double) count
                : Double.NaN;
    }
}
