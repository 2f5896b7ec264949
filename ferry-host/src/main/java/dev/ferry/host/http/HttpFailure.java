package dev.ferry.host.http;

/**
 * A request the endpoint cannot parse or will not take: the HTTP status, a stable error code and the one-line
 * message the client gets.
 */
final class HttpFailure extends Exception {

    private final int status;
    private final String code;

    HttpFailure(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
