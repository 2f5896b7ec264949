package dev.ferry.cluster.model;

import java.util.Objects;

/**
 * A host a policy puts into standby or wakes up (after the moves of the same plan).
 *
 * @param host   the host
 * @param to     its new power state ({@link PowerState#STANDBY} or {@link PowerState#ON})
 * @param reason why, for the operator
 */
public record PowerChange(String host, PowerState to, String reason) {

    /** Validates the fields. */
    public PowerChange {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(reason, "reason");
        if (to == PowerState.FAILED) {
            throw new IllegalArgumentException("a policy does not fail hosts");
        }
    }
}
