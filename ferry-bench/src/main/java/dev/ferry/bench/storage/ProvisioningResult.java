package dev.ferry.bench.storage;

/**
 * How long a host took to start {@code count} copies of a running VM, and how much its memory grew.
 *
 * @param method    {@code clone} ({@code ferry vm clone}) or {@code full-copy} ({@code vm create} on copied disks)
 * @param count     copies asked for
 * @param done      true when all of them ran
 * @param skipped   true when the method was not tried (its command is missing)
 * @param seconds   from the first request until every copy ran (a full copy: its guest booted to its marker)
 * @param pssBefore the host process's Pss with only the original VM running, bytes
 * @param pssAfter  the same with the copies running, bytes
 * @param note      what went wrong or needs saying, or empty
 */
record ProvisioningResult(String method, int count, boolean done, boolean skipped, double seconds, long pssBefore,
        long pssAfter, String note) {

    /** A method this build cannot run. */
    static ProvisioningResult skipped(String method, int count, String reason) {
        return new ProvisioningResult(method, count, false, true, Double.NaN, -1, -1, reason);
    }

    /** A method that was tried and did not get all copies running. */
    static ProvisioningResult failed(String method, int count, long pssBefore, String reason) {
        return new ProvisioningResult(method, count, false, false, Double.NaN, pssBefore, -1, reason);
    }

    /** All copies ran after {@code seconds}. */
    static ProvisioningResult done(String method, int count, double seconds, long pssBefore, long pssAfter,
            String note) {
        return new ProvisioningResult(method, count, true, false, seconds, pssBefore, pssAfter, note);
    }

    /** Pss growth per copy in bytes (negative when the host shrank), or NaN when not measured. */
    double growthPerCopy() {
        return done && pssBefore >= 0 && pssAfter >= 0 && count > 0 ? (pssAfter - pssBefore) / (double) count
                : Double.NaN;
    }
}
