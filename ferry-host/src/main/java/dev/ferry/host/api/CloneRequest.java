package dev.ferry.host.api;

import java.util.List;

/**
 * {@code POST /v1/vms/NAME/clone}.
 *
 * @param count  how many clones, 1 to 64
 * @param prefix the clones are named PREFIX-1 .. PREFIX-N (default: the VM's name)
 * @param ips    the clones' addresses with prefix, one per clone (default: the addresses after the VM's own, in
 *               order, when it has one)
 */
public record CloneRequest(Integer count, String prefix, List<String> ips) {
}
