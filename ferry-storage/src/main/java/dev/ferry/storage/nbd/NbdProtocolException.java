package dev.ferry.storage.nbd;

import java.io.IOException;

/**
 * The server broke the NBD protocol (a wrong magic, an unexpected cookie, a length out of bounds): the connection
 * is unusable and the request is not retried on another one, since the server cannot be trusted with it.
 */
final class NbdProtocolException extends IOException {

    NbdProtocolException(String message) {
        super(message);
    }
}
