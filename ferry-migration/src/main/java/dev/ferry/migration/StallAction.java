package dev.ferry.migration;

/** What pre-copy does when the remaining set stops shrinking. */
public enum StallAction {
    /** Switch to post-copy for the rest. */
    POSTCOPY,
    /** Throttle the vCPU until it converges (auto-converge). */
    THROTTLE,
    /** Give up; the VM keeps running on the source. */
    ABORT
}
