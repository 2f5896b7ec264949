package dev.ferry.migration;

/** How guest memory moves from the source host to the target host. */
public enum Strategy {
    /** Pause, copy everything, resume on the target. Downtime = total time. */
    STOPCOPY,
    /** Iterative push while the VM runs, then a short stop-and-copy (Clark et al.). */
    PRECOPY,
    /** Switch execution first; the target faults pages in while the source pushes the rest (Hines and Gopalan). */
    POSTCOPY,
    /** A few pre-copy rounds, then post-copy. */
    HYBRID,
    /** Switch first and pull only what the target touches; no background push. */
    DEMAND
}
