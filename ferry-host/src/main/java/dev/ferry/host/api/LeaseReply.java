package dev.ferry.host.api;

/**
 * A cluster manager's answer to a {@link HostReport}.
 *
 * @param leaseMs how long the host's lease lasts from now; a host that cannot renew it in time stops its VMs
 * @param fenced  the manager declared this host failed and restarted its VMs elsewhere: the host must discard the
 *                VMs it still has, so that no VM runs twice
 * @param message what the manager wants the host's log to say, or absent
 */
public record LeaseReply(long leaseMs, boolean fenced, String message) {
}
