package dev.ferry.machine.state;

/**
 * A stateful part of the machine that can hand out its complete guest-visible state as an immutable record
 * and take it back. The machine's state is the set of these records plus guest memory; a machine lists its
 * parts once, in its {@link ComponentRoster}, and saving, hashing, restoring and migrating all go through it
 * (the pattern of Firecracker's {@code Persist} and Cloud Hypervisor's {@code Snapshottable}).
 *
 * <p>Restoring has two steps so that a machine is restored completely or not at all: {@link #validateState}
 * checks a record without changing anything, and {@link #restoreState} applies a record that passed that check
 * and cannot fail.
 *
 * @param <S> the record that holds this component's state
 */
public interface Snapshottable<S extends Record> {

    /** Captures the current state. Called only while the vCPU is stopped. */
    S saveState();

    /**
     * Checks that {@code state} can be restored into this component, changing nothing. It depends only on the
     * record and on how the component was built, never on its current state, so a record checked once stays
     * valid until it is applied.
     *
     * @throws IllegalArgumentException with a one-line reason if the record does not fit this component
     */
    void validateState(S state);

    /**
     * Replaces the current state with one {@link #validateState} accepted; does not throw for such a state.
     * Called only while the vCPU is stopped.
     */
    void restoreState(S state);
}
