package dev.ferry.machine.state;

import java.io.IOException;

/**
 * A saved state that cannot be used: not a Ferry state file, a version this build does not read, a truncated
 * or corrupt file, a component that is missing or has another layout, or RAM of the wrong size. The message
 * is one line meant for the user.
 */
public class StateFormatException extends IOException {

    /** An exception with a one-line {@code message}. */
    public StateFormatException(String message) {
        super(message);
    }

    /** An exception with a one-line {@code message} and the error behind it. */
    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
