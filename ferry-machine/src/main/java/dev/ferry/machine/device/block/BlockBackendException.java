package dev.ferry.machine.device.block;

import java.io.IOException;

/**
 * A disk cannot be attached: its file is missing, unreadable, not writable when it must be, or of a size that is
 * not whole sectors. The message is one line meant for the user (the CLI prints it and exits with status 2).
 */
public final class BlockBackendException extends IOException {

    /** An attach failure described by {@code message}. */
    public BlockBackendException(String message) {
        super(message);
    }
}
