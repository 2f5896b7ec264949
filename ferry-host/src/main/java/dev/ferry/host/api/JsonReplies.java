package dev.ferry.host.api;

import com.fasterxml.jackson.core.JacksonException;
import dev.ferry.host.http.Exchange;
import java.io.IOException;

/**
 * Answers of Ferry's JSON APIs (a host's control API, the cluster manager's): a JSON body, or the one error shape
 * every client reads ({@link ErrorBody}). An exchange that has been answered already is left alone.
 */
public final class JsonReplies {

    /** Content type of JSON answers. */
    public static final String JSON = "application/json";

    private JsonReplies() {
    }

    /** Answers {@code body} as JSON with {@code status}. */
    public static void sendJson(Exchange ex, int status, Object body) throws IOException {
        send(ex, status, JSON, Json.mapper().writeValueAsBytes(body));
    }

    /** Answers an error with its stable {@code code} and one-line {@code message}. */
    public static void sendError(Exchange ex, int status, String code, String message) throws IOException {
        send(ex, status, JSON, errorBody(code, message));
    }

    /** The bytes of an error answer. */
    public static byte[] errorBody(String code, String message) {
        try {
            return Json.mapper().writeValueAsBytes(new ErrorBody(message, code));
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers {@code body} of {@code contentType} with {@code status}, unless the exchange was answered. */
    public static void send(Exchange ex, int status, String contentType, byte[] body) throws IOException {
        if (!ex.responded()) {
            ex.respond(status, contentType, body);
        }
    }
}
