package dev.ferry.host.vm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VMs a host runs, by name. A name is reserved first (while an image boots, or a migration brings the VM
 * in) so two VMs never get the same name; the reservation becomes a VM or is released.
 */
public final class VmRegistry {

    private final ConcurrentHashMap<String, HostedVm> vms = new ConcurrentHashMap<>();
    private final Set<String> reserved = ConcurrentHashMap.newKeySet();

    /** Reserves a name; false when a VM has it or it is reserved already. */
    public synchronized boolean reserve(String name) {
        if (vms.containsKey(name) || reserved.contains(name)) {
            return false;
        }
        reserved.add(name);
        return true;
    }

    /** Gives up a reservation that did not become a VM. */
    public synchronized void release(String name) {
        reserved.remove(name);
    }

    /** Adds a VM under its reserved name. */
    public synchronized void add(HostedVm vm) {
        if (!reserved.remove(vm.name())) {
            throw new IllegalStateException("name " + vm.name() + " was not reserved");
        }
        vms.put(vm.name(), vm);
    }

    /** The VM of this name. */
    public Optional<HostedVm> get(String name) {
        return Optional.ofNullable(vms.get(name));
    }

    /** Removes the VM (if it is still the same one); the caller closes it. */
    public boolean remove(HostedVm vm) {
        return vms.remove(vm.name(), vm);
    }

    /** All VMs, by name. */
    public List<HostedVm> all() {
        List<HostedVm> list = new ArrayList<>(vms.values());
        list.sort(Comparator.comparing(HostedVm::name));
        return list;
    }
}
