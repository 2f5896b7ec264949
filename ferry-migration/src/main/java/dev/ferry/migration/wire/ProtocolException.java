package dev.ferry.migration.wire;

import java.io.IOException;

/** The peer sent something the protocol does not allow: a corrupt or hostile frame, or a refusal. */
public class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    /** With a message that says what was wrong. */
    public ProtocolException(String message) {
        super(message);
    }
}
