package dev.ferry.host.api;

import java.util.List;

/** {@code GET /v1/migrations}: migrations started on this host, newest last. */
public record MigrationList(List<MigrationView> migrations) { }
