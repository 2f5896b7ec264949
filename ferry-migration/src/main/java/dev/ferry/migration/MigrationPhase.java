package dev.ferry.migration;

/** Where a migration is. */
public enum MigrationPhase {
    /**
     * Waiting for a slot: the source host runs as many outgoing migrations as it allows, or the target host told
     * the source to wait because it takes in as many as it allows. The VM runs untouched on the source.
     */
    QUEUED,
    /** Connecting, authenticating, reserving the VM on the target. */
    SETUP,
    /** Iterative push while the VM runs on the source. */
    PRECOPY,
    /** VM paused on the source; last pages and device state go across. */
    STOP_AND_COPY,
    /** VM runs on the target; remaining pages are pulled and pushed. */
    POSTCOPY,
    /** Post-copy with the connection lost: the target's faulting vCPU waits for {@code --recover}. */
    POSTCOPY_PAUSED,
    /** The target acknowledged a complete image; the source released the VM. */
    COMPLETED,
    /** Ended with an error; see the status' error. Before switchover the VM runs on the source. */
    FAILED,
    /** Cancelled by the user before switchover; the VM runs on the source. */
    CANCELLED
}
