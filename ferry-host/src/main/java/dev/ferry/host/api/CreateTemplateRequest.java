package dev.ferry.host.api;

/**
 * {@code POST /v1/templates}: make a template of a paused VM.
 *
 * @param name the template's name
 * @param from the VM on this host to make it of (paused)
 */
public record CreateTemplateRequest(String name, String from) { }
