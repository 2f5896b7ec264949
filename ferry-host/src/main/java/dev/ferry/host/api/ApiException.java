package dev.ferry.host.api;

/** A request the host refuses: an {@link ErrorCode} (and with it the HTTP status) and the line the client shows. */
public final class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final int status;

    /** Creates the exception with a stable code. */
    public ApiException(ErrorCode code, String message) {
        super(message);
        this.code = code;
        this.status = code.status();
    }

    /** Creates the exception from an HTTP status; the code is the status's general one. */
    public ApiException(int status, String message) {
        super(message);
        this.code = ErrorCode.forStatus(status);
        this.status = status;
    }

    /** HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** The stable error code. */
    public ErrorCode code() {
        return code;
    }

    /** 400: the request is malformed or names an impossible thing. */
    public static ApiException badRequest(String message) {
        return new ApiException(ErrorCode.BAD_REQUEST, message);
    }

    /** 404: no such VM, migration or endpoint. */
    public static ApiException notFound(String message) {
        return new ApiException(ErrorCode.NOT_FOUND, message);
    }

    /** 409: a conflict with what the host is doing (name taken, VM migrating). */
    public static ApiException conflict(String message) {
        return new ApiException(ErrorCode.CONFLICT, message);
    }
}
