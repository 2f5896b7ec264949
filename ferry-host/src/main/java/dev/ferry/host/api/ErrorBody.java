package dev.ferry.host.api;

/**
 * The body of every error answer: {@code {"error": "one line for people", "code": "stable_code"}}.
 *
 * @param error what went wrong, one line without internals
 * @param code  an {@link ErrorCode} (or an HTTP-layer code), stable across versions
 */
public record ErrorBody(String error, String code) { }
