package dev.ferry.host.api;

/**
 * The stable codes of control API errors ({@code {"error": MESSAGE, "code": CODE}}), each with its HTTP status.
 * Clients branch on the code; the message is for people and may change. The list is in
 * {@code docs/host-api.md}; the HTTP layer adds {@code length_required} (411), {@code header_too_large} (431) and
 * {@code http_version_not_supported} (505) for requests it cannot parse.
 */
public enum ErrorCode {
    /** A field has a value the host cannot use. */
    BAD_REQUEST(400, "bad_request"),
    /** The body is not JSON. */
    MALFORMED_JSON(400, "malformed_json"),
    /** The body has a field the endpoint does not know. */
    UNKNOWN_FIELD(400, "unknown_field"),
    /** A field, or the body itself, has the wrong JSON type. */
    WRONG_TYPE(400, "wrong_type"),
    /** The image cannot be booted: unknown, not in the image directory, not an rv64 ELF, too large. */
    BAD_IMAGE(400, "bad_image"),
    /** The request did not carry the host's API token. */
    UNAUTHORIZED(401, "unauthorized"),
    /** No such VM, migration, image or endpoint. */
    NOT_FOUND(404, "not_found"),
    /** The endpoint exists but takes another method. */
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    /** A conflict with what the host is doing: name taken, VM migrating, migration over. */
    CONFLICT(409, "conflict"),
    /** The template exists but cannot be used: its template.json is missing or corrupt, or a file it names is gone. */
    BAD_TEMPLATE(409, "bad_template"),
    /** The body is larger than the endpoint takes. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    /** The host failed; its log says why. */
    INTERNAL(500, "internal"),
    /** The target host of a migration cannot be reached. */
    TARGET_UNREACHABLE(502, "target_unreachable"),
    /** The target host refused this host's API token. */
    TARGET_REFUSED(502, "target_refused"),
    /** The target host answered, but not as a Ferry host does. */
    TARGET_BAD_ANSWER(502, "target_bad_answer"),
    /** The host is shutting down or otherwise cannot serve now. */
    UNAVAILABLE(503, "unavailable"),
    /** The target host did not answer in time. */
    TARGET_TIMEOUT(504, "target_timeout");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    /** The HTTP status answered with. */
    public int status() {
        return status;
    }

    /** The code as it appears in the answer. */
    public String code() {
        return code;
    }

    /** The general code of an HTTP status, for errors raised by status alone. */
    public static ErrorCode forStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHORIZED;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 502 -> TARGET_UNREACHABLE;
            case 503 -> UNAVAILABLE;
            case 504 -> TARGET_TIMEOUT;
            default -> status >= 500 ? INTERNAL : BAD_REQUEST;
        };
    }
}
