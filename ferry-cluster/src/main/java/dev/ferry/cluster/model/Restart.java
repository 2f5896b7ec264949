package dev.ferry.cluster.model;

import java.util.Objects;

/**
 * A VM of a failed host started again on another host (from its last checkpoint or its template): not a live
 * migration, the old copy is fenced.
 *
 * @param vm     the VM to restart
 * @param host   the host it starts on
 * @param reason why, for the operator
 */
public record Restart(String vm, String host, String reason) {

    /** Validates the fields. */
    public Restart {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(reason, "reason");
    }
}
