package dev.ferry.cluster.model;

/** Whether a host can run VMs: on, in standby (counted as powered down until it is needed), or failed (fenced). */
public enum PowerState {
    /** Running, takes placements unless in maintenance. */
    ON,
    /** Emptied by consolidation and powered down; woken when capacity is needed. */
    STANDBY,
    /** Lost its lease: fenced, its VMs restart elsewhere. */
    FAILED
}
