package dev.ferry.host.api;

import java.util.List;

/**
 * What {@code POST /v1/vms/NAME/clone} answers: the clones, and what making them cost.
 *
 * @param parent        the VM that was cloned
 * @param pauseMs       how long the parent was paused (its RAM copied into the shared snapshot)
 * @param snapshotBytes bytes of the parent's RAM that hold data, copied once and shared by every clone
 * @param totalMs       the whole request, pause included
 * @param clones        each clone, in name order
 */
public record CloneResult(String parent, double pauseMs, long snapshotBytes, double totalMs, List<Clone> clones) {

    /**
     * One clone.
     *
     * @param name       its name
     * @param mac        its NIC's MAC on the host's switch, or null
     * @param ip         its address with prefix, or null
     * @param generation the identity generation its guest sees (0: the VM has no identity registers)
     * @param createMs   how long building and starting it took
     */
    public record Clone(String name, String mac, String ip, int generation, double createMs) { }
}
