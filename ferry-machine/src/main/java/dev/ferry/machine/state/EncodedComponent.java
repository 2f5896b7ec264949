package dev.ferry.machine.state;

import java.util.Objects;

/**
 * One component's state in portable form, as a state file section and a migration's DEVICE_STATE entry carry
 * it: the component's roster id, its record's class name and layout fingerprint, and the record's
 * {@link RecordCodec} bytes.
 *
 * @param id          the component's id in its machine's {@link ComponentRoster}, for example {@code "uart0"}
 * @param type        the record's class name
 * @param fingerprint {@link RecordCodec#fingerprint} of that class
 * @param data        the encoded record
 */
public record EncodedComponent(String id, String type, long fingerprint, byte[] data) {

    /** Checks that no field is missing. */
    public EncodedComponent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /**
     * Encodes {@code state} as component {@code id}.
     *
     * @throws IllegalArgumentException if the record cannot be encoded (for example a {@code null} in it)
     */
    public static EncodedComponent of(String id, Record state) {
        if (state == null) {
            throw new IllegalArgumentException("component '" + id + "' has no state");
        }
        Class<? extends Record> type = state.getClass();
        return new EncodedComponent(id, type.getName(), RecordCodec.fingerprint(type), RecordCodec.encode(state));
    }

    /**
     * Decodes the record as a {@code expected}.
     *
     * @throws StateFormatException if it holds another record type or another layout of it, or its bytes are not
     *                              exactly one valid encoding
     */
    public <R extends Record> R decode(Class<R> expected) throws StateFormatException {
        if (!type.equals(expected.getName())) {
            throw new StateFormatException("component '" + id + "' holds " + simpleName(type) + ", not "
                    + expected.getSimpleName());
        }
        if (fingerprint != RecordCodec.fingerprint(expected)) {
            throw new StateFormatException("component '" + id + "' was saved with a different layout of "
                    + expected.getSimpleName() + " than this build has");
        }
        try {
            return RecordCodec.decode(data, expected);
        } catch (StateFormatException e) {
            throw new StateFormatException("component '" + id + "': " + e.getMessage(), e);
        }
    }

    private static String simpleName(String className) {
        return className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
    }
}
