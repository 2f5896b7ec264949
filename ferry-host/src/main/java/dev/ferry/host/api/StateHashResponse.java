package dev.ferry.host.api;

/** {@code GET /v1/vms/NAME/state-hash}: SHA-256 of the guest-visible state, and the instruction count it is at. */
public record StateHashResponse(String stateHash, long instructions) { }
