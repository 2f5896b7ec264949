package dev.ferry.cli;

/** A problem with what the user asked for; printed as one line, exit status 2. */
public final class UserError extends RuntimeException {

    /** Creates the error with the line to print. */
    public UserError(String message) {
        super(message);
    }
}
