package dev.ferry.migration.wire;

import java.util.Objects;

/**
 * One protocol frame: its type and payload bytes. Payload layouts are in {@link Messages}.
 *
 * @param type    what the frame is
 * @param payload its bytes (at most {@link FrameCodec#MAX_PAYLOAD})
 */
public record Frame(FrameType type, byte[] payload) {

    /** Checks the fields. */
    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (payload.length > FrameCodec.MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payload.length + " bytes exceeds the limit");
        }
    }

    /** A frame without payload. */
    public static Frame empty(FrameType type) {
        return new Frame(type, new byte[0]);
    }

    /** A reader over the payload. */
    public PayloadReader reader() {
        return new PayloadReader(type, payload);
    }
}
