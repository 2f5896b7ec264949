package dev.ferry.host.api;

import java.util.List;

/** {@code GET /v1/vms}. */
public record VmList(List<VmInfo> vms) { }
