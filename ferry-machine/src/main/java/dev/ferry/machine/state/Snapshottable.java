package dev.ferry.machine.state;

/**
 * A stateful part of the machine that can hand out its complete guest-visible state as an immutable record
 * and take it back. The machine's state is the tree of these records plus guest memory; saving, hashing and
 * migrating all go through this one contract (the pattern of Firecracker's {@code Persist}).
 *
 * @param <S> the record that holds this component's state
 */
public interface Snapshottable<S extends Record> {

    /** Captures the current state. Called only while the vCPU is stopped. */
    S saveState();

    /** Replaces the current state. Called only while the vCPU is stopped; rejects inconsistent input. */
    void restoreState(S state);
}
