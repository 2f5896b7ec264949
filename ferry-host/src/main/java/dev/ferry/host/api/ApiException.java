package dev.ferry.host.api;

/** A request the host refuses: an HTTP status and the one line the client shows. */
public final class ApiException extends RuntimeException {

    private final int status;

    /** Creates the exception. */
    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** 400: the request is malformed or names an impossible thing. */
    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    /** 404: no such VM, migration or endpoint. */
    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** 409: a conflict with what the host is doing (name taken, VM migrating). */
    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }
}
