package dev.ferry.cli;

/** A problem to report as one line: by default bad input (exit status 2). */
public final class UserError extends RuntimeException {

    private final int exitCode;

    /** Creates the error with the line to print; exit status 2. */
    public UserError(String message) {
        this(message, Main.EXIT_BAD_INPUT);
    }

    /** Creates the error with the line to print and the exit status. */
    public UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Exit status of the command. */
    public int exitCode() {
        return exitCode;
    }
}
