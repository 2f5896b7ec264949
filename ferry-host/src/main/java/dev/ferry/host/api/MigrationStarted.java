package dev.ferry.host.api;

/** {@code POST /v1/vms/NAME/migrate}: the new migration's id. */
public record MigrationStarted(String id, String vm, String to, String strategy) { }
