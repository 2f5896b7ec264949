package dev.ferry.machine.board;

/**
 * A device the configuration asks for cannot be attached: a disk image that is missing, not whole sectors, or not
 * writable when it must be; a network back end that cannot be opened. Unchecked, because it can only come from the
 * configuration, which the caller checks; the message is one line for the user (the CLI prints it and exits with
 * status 2).
 */
public final class DeviceAttachException extends RuntimeException {

    /** An attach failure with a one-line {@code message} and its {@code cause}. */
    public DeviceAttachException(String message, Throwable cause) {
        super(message, cause);
    }
}
