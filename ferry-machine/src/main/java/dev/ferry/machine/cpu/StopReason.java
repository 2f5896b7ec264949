package dev.ferry.machine.cpu;

/** Why {@link Cpu#run(long)} returned. */
public enum StopReason {
    /** {@link Cpu#instret()} reached the requested limit. */
    INSTRET_LIMIT,
    /** {@link Cpu#requestStop()} was called. */
    STOP_REQUESTED
}
