package dev.ferry.storage.nbd;

import java.io.IOException;

/**
 * The server answered a request with an error (EIO, ENOSPC, EPERM...). The connection stays usable; the guest
 * sees an I/O error for this request only.
 */
final class NbdCommandException extends IOException {

    private final int errno;

    NbdCommandException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The error number the server sent (Linux values, as the protocol requires). */
    int errno() {
        return errno;
    }
}
