package dev.ferry.host.api;

/** The body of every error answer: {@code {"error": "..."}}. */
public record ErrorBody(String error) { }
