package dev.ferry.cluster.model;

import java.util.Objects;

/**
 * One live migration a policy asks for.
 *
 * @param vm     the VM to move
 * @param from   the host it runs on
 * @param to     the host it goes to
 * @param reason why, for the operator
 */
public record Move(String vm, String from, String to, String reason) {

    /** Validates the fields. */
    public Move {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(reason, "reason");
        if (from.equals(to)) {
            throw new IllegalArgumentException("VM " + vm + " would move from " + from + " to itself");
        }
    }
}
