package dev.ferry.host.template;

import dev.ferry.host.FerryHost;
import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.CreateTemplateRequest;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.ErrorCode;
import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.VmAddress;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmConflictException;
import dev.ferry.host.vm.VmOrigin;
import dev.ferry.machine.board.DeviceAttachException;
import dev.ferry.machine.board.DeviceSpecs;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A host's templates as its VMs use them: making a template of a paused VM, starting a VM from a template (a cold
 * boot with a fresh identity, or a resume of the saved state), and deleting a template no VM here was made from.
 * The template files themselves are the {@link TemplateStore}'s.
 */
public final class TemplateVms {

    private final FerryHost host;
    private final TemplateStore templates;
    private final Set<String> templatesInProgress = ConcurrentHashMap.newKeySet();

    /** The templates of {@code templates} for the VMs of {@code host}. */
    public TemplateVms(FerryHost host, TemplateStore templates) {
        this.host = host;
        this.templates = templates;
    }

    /**
     * Starts a VM from a template: one qcow2 overlay per template disk in this host's disk directory, then a cold
     * boot of the template's kernel with the template's configuration and a fresh identity (a MAC derived from the
     * VM's name or {@code mac}, the address {@code ip}), or with {@code resume} the saved state as it was.
     */
    public HostedVm start(CreateVmRequest req) {
        long t0 = System.nanoTime();
        String t = TemplateStore.checkName(req.template());
        List<String> excluded = fieldsATemplateGives(req);
        if (!excluded.isEmpty()) {
            throw ApiException.badRequest(String.join(", ", excluded) + ": the template gives the machine; leave "
                    + "out what it gives");
        }
        boolean resume = Boolean.TRUE.equals(req.resume());
        if (resume && (req.ip() != null || req.mac() != null || req.args() != null)) {
            throw ApiException.badRequest("resume restores the template's machine as it was, with its addresses, "
                    + "MACs and command line: leave out ip, mac and args (or boot it instead)");
        }
        long limit = req.maxInstructions() == null ? Long.MAX_VALUE : req.maxInstructions();
        if (limit < 0) {
            throw ApiException.badRequest("max_instructions must not be negative");
        }
        TemplateManifest m = templates.read(t);
        if (resume && m.state() == null) {
            throw ApiException.conflict("template " + t + " has no saved state (it was made of a VM that was not "
                    + "paused); boot it instead of resuming it");
        }
        TemplateLaunch launch = new TemplateLaunch(templates.path(t), m);
        String ipParameter = null;
        if (req.ip() != null) {
            if (!m.boot().kernelBoot()) {
                throw ApiException.badRequest("ip: a VM gets its address through the kernel command line (ip=); "
                        + "template " + t + " boots no kernel");
            }
            try {
                ipParameter = VmAddress.parse(req.ip()).kernelParameter();
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("ip: " + e.getMessage());
            }
        }
        String ownMac = req.mac() != null ? req.mac().toLowerCase(Locale.ROOT) : HostNetwork.defaultMac(req.name());
        try {
            DeviceSpecs.checkMac(ownMac, "mac");
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        int firstSwitch = -1;
        for (int i = 0; i < m.nics().size() && firstSwitch < 0; i++) {
            firstSwitch = m.nics().get(i).backend().equals(NicConfig.SWITCH) ? i : -1;
        }
        int switchIndex = firstSwitch;
        List<NicConfig> nics = new ArrayList<>(launch.nics(resume,
                i -> i == switchIndex ? ownMac : HostNetwork.defaultMac(req.name() + "." + i)));
        if (!resume && switchIndex < 0 && (req.ip() != null || req.mac() != null)) {
            nics.add(0, new NicConfig(ownMac, NicConfig.SWITCH));
        }
        String bootArgs;
        if (resume) {
            bootArgs = m.bootArgs();
        } else {
            String args = req.args() == null ? null : String.join(" ", req.args().stream().map(String::trim)
                    .filter(a -> !a.isEmpty()).toList());
            bootArgs = TemplateLaunch.coldBootArgs(m.bootArgs(), args, ipParameter);
        }
        ConsoleBuffer console = new ConsoleBuffer();
        host.network().macInUse(nics).ifPresent(mac -> {
            throw ApiException.conflict("MAC " + mac + " is in use by another VM on host " + host.name()
                    + "'s switch" + (resume ? " (a resumed VM keeps the template's MACs: stop the VM that has it, or "
                    + "boot the template instead)" : "; give this VM another (mac)"));
        });
        if (!host.vms().reserve(req.name())) {
            throw ApiException.conflict("a VM named '" + req.name() + "' already exists on host " + host.name());
        }
        List<Path> overlays = List.of();
        try {
            List<Path> left = launch.existingOverlays(host.storage().disks(), req.name());
            if (!left.isEmpty()) {
                throw ApiException.conflict("disks: " + left.get(0) + " exists already (left by an earlier VM named "
                        + req.name() + "); remove it or choose another name");
            }
            try {
                overlays = launch.createOverlays(host.storage().disks(), req.name());
            } catch (IOException e) {
                throw new ApiException(ErrorCode.BAD_TEMPLATE, "template " + t + ": " + e.getMessage());
            }
            MachineConfig machineConfig;
            try {
                machineConfig = launch.config(console, bootArgs, overlays, nics);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.BAD_TEMPLATE, "template " + t + ": " + e.getMessage());
            }
            VirtMachine machine;
            try {
                machine = new VirtMachine(machineConfig, host.backends());
            } catch (DeviceAttachException e) {
                throw new ApiException(ErrorCode.BAD_TEMPLATE, "template " + t + ": " + e.getMessage());
            }
            try {
                if (resume) {
                    launch.resume(machine);
                } else {
                    launch.coldBoot(machine);
                }
            } catch (IOException | ImageFormatException e) {
                machine.close();
                throw new ApiException(ErrorCode.BAD_TEMPLATE, "template " + t + ": " + e.getMessage());
            } catch (RuntimeException e) {
                machine.close();
                throw e;
            }
            VmRunner runner = new VmRunner(machine, req.name(), limit);
            HostedVm vm = new HostedVm(req.name(), "template:" + t, runner, console,
                    new VmOrigin(launch.media(), t, overlays));
            host.vms().add(vm);
            runner.start();
            host.log(String.format(Locale.ROOT, "VM %s created from template %s (%s%s, %d MiB, %d overlay%s) in %.1f ms",
                    vm.name(), t, resume ? "resumed from its saved state" : "cold boot",
                    bootArgs.isEmpty() ? "" : " " + bootArgs, m.ramBytes() >> 20, overlays.size(),
                    overlays.size() == 1 ? "" : "s", (System.nanoTime() - t0) / 1e6));
            return vm;
        } catch (RuntimeException e) {
            TemplateLaunch.removeQuietly(overlays);
            host.vms().release(req.name());
            throw e;
        }
    }

    /** The fields of {@code req} that a template gives and a request from a template may therefore not. */
    private static List<String> fieldsATemplateGives(CreateVmRequest req) {
        List<String> given = new ArrayList<>();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("image", req.image());
        fields.put("kernel", req.kernel());
        fields.put("initrd", req.initrd());
        fields.put("bios", req.bios());
        fields.put("mem", req.mem());
        fields.put("drives", req.drives());
        fields.put("nics", req.nics());
        fields.put("balloon", req.balloon());
        fields.put("rng", req.rng());
        fields.put("deterministic", req.deterministic());
        fields.forEach((field, value) -> {
            if (value != null) {
                given.add(field);
            }
        });
        return given;
    }

    /**
     * Makes template {@code req.name()} of the paused VM {@code req.from()}: its disks become read-only qcow2 bases,
     * its state, boot files and configuration are saved with them, in the template directory, all at once or not
     * at all.
     */
    public TemplateManifest create(CreateTemplateRequest req) {
        if (req == null) {
            throw ApiException.badRequest("give the template a name and the VM to make it of (from)");
        }
        String t = TemplateStore.checkName(req.name());
        if (req.from() == null || req.from().isBlank()) {
            throw ApiException.badRequest("from: give the VM to make the template of");
        }
        HostedVm vm = host.vm(req.from());
        if (vm.origin() == null || vm.origin().boot() == null) {
            throw ApiException.conflict("this host does not know the files VM " + vm.name() + " booted (it migrated "
                    + "here); make the template on the host it was created on");
        }
        if (templates.exists(t)) {
            throw ApiException.conflict("a template named '" + t + "' already exists in "
                    + templates.directory());
        }
        if (!templatesInProgress.add(t)) {
            throw ApiException.conflict("template '" + t + "' is being made on this host already");
        }
        try {
            long t0 = System.nanoTime();
            host.log("template " + t + ": making it of VM " + vm.name() + " in " + templates.directory());
            TemplateManifest m = vm.whilePaused("make a template of", () -> templates.create(t,
                    new TemplateWriter(t, vm.name(), vm.runner(), vm.origin().boot(), host.name(), Instant.now(),
                            host::log)::write));
            long data = m.disks().stream().mapToLong(TemplateManifest.Disk::dataBytes).sum();
            host.log(String.format(Locale.ROOT, "template %s created from VM %s: %d disk%s, %.1f MiB of data, %s, in %.0f ms",
                    t, vm.name(), m.disks().size(), m.disks().size() == 1 ? "" : "s", data / 1048576.0,
                    m.state() == null ? "no saved state" : "with its saved state", (System.nanoTime() - t0) / 1e6));
            return m;
        } catch (VmConflictException | ApiException e) {
            throw e;
        } catch (Exception e) {
            host.log("template " + t + ": failed, nothing left behind: " + e);
            throw new ApiException(ErrorCode.INTERNAL, "template " + t + " could not be made: " + e.getMessage());
        } finally {
            templatesInProgress.remove(t);
        }
    }

    /** Deletes a template; refused while a VM of this host was made from it. */
    public void delete(String name) throws IOException {
        String t = TemplateStore.checkName(name);
        List<String> users = host.vms().all().stream()
                .filter(v -> v.origin() != null && t.equals(v.origin().template())).map(HostedVm::name).toList();
        if (!users.isEmpty()) {
            throw ApiException.conflict("template " + t + " is in use by VM" + (users.size() == 1 ? " " : "s ")
                    + String.join(", ", users) + " on host " + host.name() + "; stop " + (users.size() == 1 ? "it" : "them")
                    + " first");
        }
        templates.delete(t);
        host.log("template " + t + " deleted");
    }
}
