package dev.ferry.host;

import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.CloneRequest;
import dev.ferry.host.api.CloneResult;
import dev.ferry.host.api.ControlApi;
import dev.ferry.host.api.CreateTemplateRequest;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.ErrorCode;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.HostInfo;
import dev.ferry.host.api.MigrateRequest;
import dev.ferry.host.api.PeerHosts;
import dev.ferry.host.api.Quantities;
import dev.ferry.host.api.VmInfo;
import dev.ferry.host.clone.VmCloner;
import dev.ferry.host.image.HostImages;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.host.template.TemplateLaunch;
import dev.ferry.host.template.TemplateManifest;
import dev.ferry.host.template.TemplateStore;
import dev.ferry.host.template.TemplateWriter;
import dev.ferry.host.migration.IncomingVms;
import dev.ferry.host.migration.OutgoingMigration;
import dev.ferry.host.migration.OutgoingMigrations;
import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.VmAddress;
import dev.ferry.host.vm.ConsoleBuffer;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmConflictException;
import dev.ferry.host.vm.VmOrigin;
import dev.ferry.host.vm.VmRegistry;
import dev.ferry.machine.board.DeviceAttachException;
import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DeviceSpecs;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationPhase;
import dev.ferry.migration.MigrationReceiver;
import dev.ferry.migration.MigrationWarmup;
import dev.ferry.migration.MigrationReport;
import dev.ferry.migration.MigrationSource;
import dev.ferry.migration.Strategy;
import dev.ferry.storage.StorageBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The host daemon: runs VMs (a {@link VirtMachine} on a {@link VmRunner} each, console output kept in a
 * {@link ConsoleBuffer}), serves the HTTP/JSON control API ({@link ControlApi}) and receives migrating VMs on
 * its migration endpoint. Migrations it starts release the VM here once the target has it.
 */
public final class FerryHost implements AutoCloseable {

    /** Ferry's version, as {@code GET /v1/host} reports it. */
    public static final String VERSION = "0.1.0";
    /** Window over which {@code vm info} measures the dirty rate. */
    public static final Duration DIRTY_RATE_WINDOW = Duration.ofMillis(200);

    /** What {@code vm info} shows as the image of a VM that came from a host that did not say (protocol 2). */
    public static final String UNKNOWN_IMAGE = "(migrated in)";

    /** How long a source host watches for a VM that left it to be announced from its new host. */
    private static final long ANNOUNCE_WATCH_MILLIS = 2000;
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final HostConfig config;
    private final VmRegistry registry = new VmRegistry();
    private final OutgoingMigrations migrations;
    private final AtomicLong migrationSeq = new AtomicLong();
    private final PeerHosts peers;
    private HostImages images;
    private StorageDirs storage;
    private TemplateStore templates;
    private final Set<String> templatesInProgress = ConcurrentHashMap.newKeySet();
    private HostNetwork network;
    private ControlApi api;
    private MigrationReceiver receiver;

    private FerryHost(HostConfig config) {
        this.config = config;
        this.peers = new PeerHosts(config.control().token());
        this.migrations = new OutgoingMigrations(OutgoingMigrations.DEFAULT_KEEP_FINISHED, config.maxOutgoing());
    }

    /** Starts a host: binds the control API and the migration endpoint. */
    public static FerryHost start(HostConfig config) throws IOException {
        FerryHost host = new FerryHost(config);
        try {
            host.storage = config.storage() != null ? config.storage() : StorageDirs.temporary();
            host.storage.create();
            host.templates = new TemplateStore(host.storage.templates());
            host.images = HostImages.open(config.images(), config.control().maxImageBytes(),
                    config.control().maxUploads());
            host.network = HostNetwork.open(config.network(), config.name());
            host.api = ControlApi.start(host, config);
            InetSocketAddress migrationListen = config.migrationListen() != null ? config.migrationListen()
                    : new InetSocketAddress(host.api.address().getAddress(), 0);
            host.receiver = new MigrationReceiver(migrationListen, config.secret(),
                    new IncomingVms(host.registry, config.images(), host.network, host.backends(),
                            host.storage.disks(), vm -> BootRequest.mediaOf(vm.image(), vm.ramSize(), host.images),
                            host::log), config.receiverLimits(),
                    host::log)
                    .encryption(config.encryption());
            if (config.encryption().plaintextOverNetwork()) {
                host.log("warning: migrations with hosts that are not loopback are not encrypted (--encrypt never "
                        + "--allow-plaintext): VM memory crosses the network readable to anyone on the path");
            }
            MigrationWarmup.startInBackground(host::log);
            return host;
        } catch (IOException | RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** The host's name. */
    public String name() {
        return config.name();
    }

    /** The bound control API address. */
    public InetSocketAddress controlAddress() {
        return api.address();
    }

    /** The bound migration endpoint. */
    public InetSocketAddress migrationEndpoint() {
        return receiver.endpoint();
    }

    /** The VMs this host runs. */
    public VmRegistry vms() {
        return registry;
    }

    /** Where this host writes disks and keeps templates. */
    public StorageDirs storage() {
        return storage;
    }

    /** The templates in this host's template directory (shared with the hosts given the same directory). */
    public TemplateStore templates() {
        return templates;
    }

    /** The images this host boots: its image directory and uploads. */
    public HostImages images() {
        return images;
    }

    /** Where this host's VMs find their disks (files, qcow2 images, NBD exports) and network interfaces. */
    private DeviceBackends backends() {
        return new DeviceBackends(StorageBackends.factory(BlockBackendFactory.STANDARD), network.nets());
    }

    /** The host's virtual switch, its links to other hosts and its uplinks. */
    public HostNetwork network() {
        return network;
    }

    /** The migrations this host started. */
    public OutgoingMigrations migrations() {
        return migrations;
    }

    /** Figures of the migrations into this host. */
    public MigrationReceiver.Totals incomingMigrations() {
        return receiver.totals();
    }

    /** What the migration endpoint holds off now and turned away so far. */
    public MigrationReceiver.Guard migrationEndpointGuard() {
        return receiver.guard();
    }

    /** What {@code GET /v1/host} answers. */
    public HostInfo info() {
        return new HostInfo(name(), VERSION, HostAddress.format(controlAddress()),
                HostAddress.format(migrationEndpoint()), registry.all().size());
    }

    /** Reports an event: one line. */
    public void log(String line) {
        config.log().accept(line);
    }

    // ---------------------------------------------------------------- VMs

    /** The VM of this name, or 404. */
    public HostedVm vm(String name) {
        return registry.get(name).orElseThrow(() -> ApiException.notFound("no VM named '" + name + "' on host "
                + name()));
    }

    /** Boots a VM as the request says and starts it. */
    public HostedVm createVm(CreateVmRequest req) {
        if (req == null || req.name() == null || req.name().isBlank()) {
            throw ApiException.badRequest("name: give the VM a name");
        }
        if (!VM_NAME.matcher(req.name()).matches()) {
            throw ApiException.badRequest("name: '" + req.name() + "' is not a VM name (letters, digits, '.', '_', "
                    + "'-'; up to 63 characters, starting with a letter or digit)");
        }
        if (req.template() != null) {
            return createFromTemplate(req);
        }
        if (req.resume() != null) {
            throw ApiException.badRequest("resume goes with template: it restores a template's saved state");
        }
        BootRequest boot = new BootRequest(req, images, storage.disks());
        long ram;
        try {
            ram = req.mem() == null ? boot.defaultRam() : Quantities.parseBytes(req.mem());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("mem: " + e.getMessage());
        }
        long limit = req.maxInstructions() == null ? Long.MAX_VALUE : req.maxInstructions();
        if (limit < 0) {
            throw ApiException.badRequest("max_instructions must not be negative");
        }
        List<String> args = new ArrayList<>(req.args() == null ? List.of(boot.defaultArgs()) : req.args());
        if (req.args() != null) {
            args = new ArrayList<>(List.of(boot.imageCommandLine(String.join(" ", args))));
        }
        NicConfig switchNic = switchNic(req, boot);
        if (switchNic != null && req.ip() != null) {
            args.add(VmAddress.parse(req.ip()).kernelParameter());
        }
        String bootArgs = String.join(" ", args.stream().map(String::trim).filter(a -> !a.isEmpty()).toList());
        boolean deterministic = Boolean.TRUE.equals(req.deterministic());
        ConsoleBuffer console = new ConsoleBuffer();
        MachineConfig machineConfig;
        try {
            machineConfig = new MachineConfig(ram, deterministic, bootArgs, console)
                    .withBalloon(Boolean.TRUE.equals(req.balloon()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("mem: " + e.getMessage());
        }
        machineConfig = boot.configure(machineConfig);
        if (switchNic != null) {
            List<NicConfig> nics = new ArrayList<>(machineConfig.nics());
            nics.add(0, switchNic);
            machineConfig = machineConfig.withNics(nics);
        }
        network.macInUse(machineConfig.nics()).ifPresent(mac -> {
            throw ApiException.conflict("MAC " + mac + " is in use by another VM on host " + name()
                    + "'s switch; give this VM another (mac)");
        });
        if (!registry.reserve(req.name())) {
            throw ApiException.conflict("a VM named '" + req.name() + "' already exists on host " + name());
        }
        try {
            VirtMachine machine;
            try {
                machine = new VirtMachine(machineConfig, backends());
            } catch (DeviceAttachException e) {
                throw ApiException.badRequest("devices: " + e.getMessage());
            }
            try {
                boot.boot(machine, ram);
            } catch (ImageFormatException | RuntimeException e) {
                machine.close();
                throw e;
            }
            VmRunner runner = new VmRunner(machine, req.name(), limit);
            HostedVm vm = new HostedVm(req.name(), boot.shownImage(), runner, console,
                    new VmOrigin(boot.media(), null, List.of()));
            registry.add(vm);
            runner.start();
            log("VM " + vm.name() + " created (" + vm.image() + (bootArgs.isEmpty() ? "" : " " + bootArgs) + ", "
                    + (ram >> 20) + " MiB" + (deterministic ? ", deterministic" : "")
                    + (limit == Long.MAX_VALUE ? "" : ", limit " + limit) + ")");
            return vm;
        } catch (ImageFormatException e) {
            registry.release(req.name());
            throw new ApiException(ErrorCode.BAD_IMAGE, (boot.kernelBoot() ? "" : "image: ") + e.getMessage());
        } catch (RuntimeException e) {
            registry.release(req.name());
            throw e;
        }
    }

    /**
     * Starts a VM from a template: one qcow2 overlay per template disk in this host's disk directory, then a cold
     * boot of the template's kernel with the template's configuration and a fresh identity (a MAC derived from the
     * VM's name or {@code mac}, the address {@code ip}), or with {@code resume} the saved state as it was.
     */
    private HostedVm createFromTemplate(CreateVmRequest req) {
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
        network.macInUse(nics).ifPresent(mac -> {
            throw ApiException.conflict("MAC " + mac + " is in use by another VM on host " + name()
                    + "'s switch" + (resume ? " (a resumed VM keeps the template's MACs: stop the VM that has it, or "
                    + "boot the template instead)" : "; give this VM another (mac)"));
        });
        if (!registry.reserve(req.name())) {
            throw ApiException.conflict("a VM named '" + req.name() + "' already exists on host " + name());
        }
        List<Path> overlays = List.of();
        try {
            List<Path> left = launch.existingOverlays(storage.disks(), req.name());
            if (!left.isEmpty()) {
                throw ApiException.conflict("disks: " + left.get(0) + " exists already (left by an earlier VM named "
                        + req.name() + "); remove it or choose another name");
            }
            try {
                overlays = launch.createOverlays(storage.disks(), req.name());
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
                machine = new VirtMachine(machineConfig, backends());
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
            registry.add(vm);
            runner.start();
            log(String.format(Locale.ROOT, "VM %s created from template %s (%s%s, %d MiB, %d overlay%s) in %.1f ms",
                    vm.name(), t, resume ? "resumed from its saved state" : "cold boot",
                    bootArgs.isEmpty() ? "" : " " + bootArgs, m.ramBytes() >> 20, overlays.size(),
                    overlays.size() == 1 ? "" : "s", (System.nanoTime() - t0) / 1e6));
            return vm;
        } catch (RuntimeException e) {
            TemplateLaunch.removeQuietly(overlays);
            registry.release(req.name());
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

    // ---------------------------------------------------------------- templates

    /**
     * Makes template {@code req.name()} of the paused VM {@code req.from()}: its disks become read-only qcow2 bases,
     * its state, boot files and configuration are saved with them, in the template directory, all at once or not
     * at all.
     */
    public TemplateManifest createTemplate(CreateTemplateRequest req) {
        if (req == null) {
            throw ApiException.badRequest("give the template a name and the VM to make it of (from)");
        }
        String t = TemplateStore.checkName(req.name());
        if (req.from() == null || req.from().isBlank()) {
            throw ApiException.badRequest("from: give the VM to make the template of");
        }
        HostedVm vm = vm(req.from());
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
            log("template " + t + ": making it of VM " + vm.name() + " in " + templates.directory());
            TemplateManifest m = vm.whilePaused("make a template of", () -> templates.create(t,
                    new TemplateWriter(t, vm.name(), vm.runner(), vm.origin().boot(), name(), Instant.now(),
                            this::log)::write));
            long data = m.disks().stream().mapToLong(TemplateManifest.Disk::dataBytes).sum();
            log(String.format(Locale.ROOT, "template %s created from VM %s: %d disk%s, %.1f MiB of data, %s, in %.0f ms",
                    t, vm.name(), m.disks().size(), m.disks().size() == 1 ? "" : "s", data / 1048576.0,
                    m.state() == null ? "no saved state" : "with its saved state", (System.nanoTime() - t0) / 1e6));
            return m;
        } catch (VmConflictException | ApiException e) {
            throw e;
        } catch (Exception e) {
            log("template " + t + ": failed, nothing left behind: " + e);
            throw new ApiException(ErrorCode.INTERNAL, "template " + t + " could not be made: " + e.getMessage());
        } finally {
            templatesInProgress.remove(t);
        }
    }

    /** Deletes a template; refused while a VM of this host was made from it. */
    public void deleteTemplate(String name) throws IOException {
        String t = TemplateStore.checkName(name);
        List<String> users = registry.all().stream()
                .filter(v -> v.origin() != null && t.equals(v.origin().template())).map(HostedVm::name).toList();
        if (!users.isEmpty()) {
            throw ApiException.conflict("template " + t + " is in use by VM" + (users.size() == 1 ? " " : "s ")
                    + String.join(", ", users) + " on host " + name() + "; stop " + (users.size() == 1 ? "it" : "them")
                    + " first");
        }
        templates.delete(t);
        log("template " + t + " deleted");
    }

    /** What a user can do about a migration that holds a VM here. */
    private static String whatToDo(OutgoingMigration m) {
        MigrationPhase phase = m.status().phase();
        if (phase != MigrationPhase.POSTCOPY && phase != MigrationPhase.POSTCOPY_PAUSED) {
            return "cancel the migration first";
        }
        return "it runs on the target already and this host still serves its memory"
                + (m.strategy() == Strategy.DEMAND ? "; finish the migration with push-rest" : "; wait for the "
                        + "migration to complete");
    }

    /**
     * Makes {@code req.count()} running clones of a running or paused VM on this host, sharing its unchanged RAM
     * pages copy-on-write ({@link VmCloner}).
     */
    public CloneResult cloneVm(String name, CloneRequest req) {
        HostedVm parent = vm(name);
        return new VmCloner(registry, network, this::backends, storage.disks(), this::log).cloneVm(parent, req);
    }

    /** Shuts a VM down and removes it. */
    public void stopVm(String name) {
        HostedVm vm = vm(name);
        String migrationId = vm.migrationId();
        if (migrationId != null) {
            throw ApiException.conflict("cannot stop VM " + name + " while it migrates (migration " + migrationId
                    + "); " + migrations.get(migrationId).map(FerryHost::whatToDo).orElse("cancel the migration first"));
        }
        if (registry.remove(vm)) {
            vm.discard();
            List<Path> own = vm.origin() == null ? List.of() : vm.origin().ownDisks();
            TemplateLaunch.removeQuietly(own);
            log("VM " + name + " stopped at " + vm.runner().machine().instructions() + " instructions"
                    + (own.isEmpty() ? "" : "; its overlays removed"));
        }
    }

    /** The API's view of a VM; with {@code sampleDirtyRate}, measures its dirty rate over a short window. */
    public VmInfo describe(HostedVm vm, boolean sampleDirtyRate) throws InterruptedException {
        Double dirtyRate = null;
        if (sampleDirtyRate) {
            OptionalDouble rate = vm.sampleDirtyRate(DIRTY_RATE_WINDOW);
            dirtyRate = rate.isPresent() ? rate.getAsDouble() : null;
        }
        VmRunner r = vm.runner();
        VirtMachine m = r.machine();
        VmRunner.RunState state = r.state();
        String image = vm.image().isEmpty() ? UNKNOWN_IMAGE : vm.image();
        return new VmInfo(vm.name(), state.name().toLowerCase(Locale.ROOT), image, m.config().bootArgs(),
                m.instructions(), dirtyRate, vm.memoryUsedBytes(), m.config().ramSize(), m.config().deterministic(),
                r.instructionLimit() == Long.MAX_VALUE ? null : r.instructionLimit(), vm.uptime().toMillis(),
                state == VmRunner.RunState.POWERED_OFF ? m.exitCode() : null, vm.migrationId());
    }

    // ---------------------------------------------------------------- migrations

    /** The migration of this id, or 404. */
    public OutgoingMigration migration(String id) {
        return migrations.get(id).orElseThrow(() -> ApiException.notFound("no migration '" + id + "' on host "
                + name()));
    }

    /**
     * Starts migrating a VM to the host whose control API is at {@code req.to()}, or queues the migration while
     * this host runs as many as it allows ({@link HostConfig#maxOutgoing}); a queued migration leaves the VM
     * running untouched and starts in its turn.
     */
    public OutgoingMigration startMigration(String vmName, MigrateRequest req) {
        HostedVm vm = vm(vmName);
        if (req == null || req.to() == null || req.to().isBlank()) {
            throw ApiException.badRequest("to: give the target host's control API address (HOST:PORT)");
        }
        MigrationOptions options;
        try {
            options = req.toOptions();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        VmRunner.RunState state = vm.runner().state();
        if (state == VmRunner.RunState.POWERED_OFF || state == VmRunner.RunState.CLOSED) {
            throw ApiException.conflict("VM " + vmName + " has " + (state == VmRunner.RunState.CLOSED ? "been closed"
                    : "powered off") + "; there is nothing to migrate");
        }
        if (vm.migrationId() != null) {
            throw ApiException.conflict("VM " + vmName + " is already migrating (migration " + vm.migrationId() + ")");
        }
        for (DriveConfig d : vm.runner().machine().config().drives()) {
            if (d.format().equals("qcow2") && !d.readOnly() && !options.copyDisks()) {
                throw ApiException.conflict("VM " + vmName + " has a writable qcow2 disk (" + d.source() + "), which "
                        + "cannot be shared by two hosts (both would write the image's metadata): migrate with "
                        + "--copy-disks, or use a raw file or an NBD export for a shared disk");
            }
        }
        InetSocketAddress target = targetEndpoint(req.to());
        String id = name() + "-" + migrationSeq.incrementAndGet();
        try {
            vm.beginMigration(id);
        } catch (RuntimeException e) {
            throw ApiException.conflict(e.getMessage());
        }
        OutgoingMigration m;
        try {
            MigrationSource source = new MigrationSource(id, vm.runner(), vm.descriptor(), target, config.secret(),
                    options).consoleHistory(vm::consoleHistory).encryption(config.encryption());
            m = new OutgoingMigration(id, vm, req.to(), options.strategy(), target, source);
            migrations.add(m);
        } catch (RuntimeException e) {
            vm.endMigration();
            throw e;
        }
        int position = migrations.admit(m);
        if (position == 0) {
            launch(m);
        } else {
            log("migration " + id + " queued: VM " + vmName + " -> " + req.to() + ", number " + position
                    + " in the queue (" + migrations.maxRunning() + " run at once)");
        }
        return m;
    }

    /**
     * The NIC on this host's switch that {@code req} asks for with {@code ip} or {@code mac}, or null; checked:
     * the address reaches the guest through the kernel command line, so it needs a kernel.
     */
    private static NicConfig switchNic(CreateVmRequest req, BootRequest boot) {
        if (req.ip() == null && req.mac() == null) {
            return null;
        }
        if (req.ip() != null) {
            if (!boot.kernelBoot()) {
                throw ApiException.badRequest("ip: a VM gets its address through the kernel command line (ip=); "
                        + "boot a kernel (such as image linux) to give it one");
            }
            try {
                VmAddress.parse(req.ip());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("ip: " + e.getMessage());
            }
        }
        String mac = req.mac() != null ? req.mac().toLowerCase(Locale.ROOT) : HostNetwork.defaultMac(req.name());
        try {
            DeviceSpecs.checkMac(mac, "mac");
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        return new NicConfig(mac, NicConfig.SWITCH);
    }

    /** Starts an admitted migration; its slot frees once its VM runs on the target or it ends. */
    private void launch(OutgoingMigration m) {
        List<NicConfig> nics = m.nics();
        CompletableFuture<MigrationReport> done = m.start();
        if (done == null) {
            slotFreed(m);
            return;
        }
        log("migration " + m.id() + " started: VM " + m.vmName() + " -> " + m.to() + " ("
                + HostAddress.format(m.target()) + "), " + m.strategy().name().toLowerCase(Locale.ROOT));
        m.runningOnTarget().whenComplete((ok, error) -> slotFreed(m));
        CompletableFuture<Double> announced = m.runningOnTarget().thenCompose(ok -> {
            long now = System.nanoTime();
            network.detach(nics);
            return network.whenAnnounced(nics, now, ANNOUNCE_WATCH_MILLIS);
        });
        done.whenComplete((report, error) -> {
            MigrationReport r = report != null ? report : failedReport(m, error);
            if (!r.success()) {
                finished(m, r, null);
                return;
            }
            announced.whenComplete((ms, e) -> finished(m, r, ms));
        });
    }

    private void slotFreed(OutgoingMigration m) {
        for (OutgoingMigration next : migrations.release(m)) {
            launch(next);
        }
    }

    /** Cancels a migration before switchover. */
    public void cancelMigration(String id) {
        OutgoingMigration m = migration(id);
        boolean wasQueued;
        try {
            wasQueued = m.cancel();
        } catch (IllegalStateException e) {
            String hint = m.strategy() == Strategy.DEMAND && m.outcome() == null
                    ? "; to finish it, push the rest (POST /v1/migrations/" + id + "/push-rest)" : "";
            throw ApiException.conflict(e.getMessage() + hint);
        }
        if (wasQueued) {
            endQueued(m);
        } else {
            log("migration " + id + ": cancel requested");
        }
    }

    /** Ends a migration cancelled while queued: it never started, the VM was never touched. */
    private void endQueued(OutgoingMigration m) {
        slotFreed(m);
        finished(m, new MigrationReport(m.id(), m.vmName(), m.strategy(), false, "cancelled by the user while queued",
                List.of(), m.status().elapsedMillis(), 0, 0, Map.of(), 0, 0, 0,
                List.of("cancelled while queued: the VM was never paused and keeps running here"), Map.of()), null);
    }

    /** Resumes a post-copy migration whose connection was lost, asking the target for its endpoint again. */
    public void recoverMigration(String id, String to) {
        OutgoingMigration m = migration(id);
        if (m.outcome() != null) {
            throw ApiException.conflict("migration " + id + " has already ended (" + m.outcome().label() + ")");
        }
        InetSocketAddress target = targetEndpoint(to != null && !to.isBlank() ? to : m.to());
        try {
            m.recover(target);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        m.retarget(target);
        log("migration " + id + ": recovering to " + HostAddress.format(target));
    }

    /** Demand migration past switchover: pushes every page the target has not pulled yet, so it can complete. */
    public void pushRest(String id) {
        OutgoingMigration m = migration(id);
        try {
            m.pushRemaining();
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        log("migration " + id + ": pushing the pages the target has not pulled");
    }

    /**
     * After a migration that copied a VM's disks: deletes those of its writable disk files that this host made (in
     * its disk directory: a disk that migrated in earlier); files the user gave stay where they are.
     */
    private void deleteCopiedDisks(HostedVm vm) {
        Path dir = storage.disks().toAbsolutePath().normalize();
        for (DriveConfig d : vm.runner().machine().config().drives()) {
            if (!d.isFile() || d.readOnly()) {
                continue;
            }
            Path file = d.file().toAbsolutePath().normalize();
            if (file.getParent() != null && file.getParent().equals(dir)) {
                try {
                    Files.deleteIfExists(file);
                    log("deleted " + file + ": VM " + vm.name() + " took a copy of it along");
                } catch (IOException e) {
                    log("could not delete " + file + ": " + e.getMessage());
                }
            }
        }
    }

    private void finished(OutgoingMigration m, MigrationReport report, Double networkAnnouncedMs) {
        m.networkAnnounced(networkAnnouncedMs);
        OutgoingMigration.Ended ended = migrations.finish(m, report);
        HostedVm vm = ended.vm();
        String what = ended.outcome().label();
        if (ended.outcome() == OutgoingMigration.Outcome.COMPLETED) {
            if (registry.remove(vm)) {
                vm.discard();
                if (report.disk().blocks() > 0) {
                    deleteCopiedDisks(vm);
                }
            }
            String announced = networkAnnouncedMs == null ? ""
                    : String.format(Locale.ROOT, "; announced %.1f ms after it ran there", networkAnnouncedMs);
            log(String.format(Locale.ROOT, "migration %s %s: VM %s now runs on %s; downtime %.1f ms, total time "
                    + "%.1f ms, %,d bytes%s", m.id(), what, vm.name(), m.to(), report.downtimeMs(),
                    report.totalTimeMs(), report.bytesOnWire(), announced));
        } else {
            vm.endMigration();
            log("migration " + m.id() + " " + what + ": VM " + vm.name() + " stays here"
                    + (report.error() != null ? " (" + report.error() + ")" : ""));
        }
    }

    private static MigrationReport failedReport(OutgoingMigration m, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        String message = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
        return new MigrationReport(m.id(), m.vmName(), m.strategy(), false, message, List.of(), 0, 0, 0,
                Map.of(), 0, 0, 0, List.of(), Map.of());
    }

    /** Asks the host whose control API is at {@code to} for its migration endpoint. */
    private InetSocketAddress targetEndpoint(String to) {
        HostInfo info = peers.describe(to);
        if (info.name().equals(name()) && info.control().equals(HostAddress.format(controlAddress()))) {
            throw ApiException.badRequest("to: " + to + " is this host; migrate to another one");
        }
        return peers.migrationEndpoint(to, info);
    }

    // ---------------------------------------------------------------- shutdown

    /** Stops serving, cancels migrations under way and shuts every VM down. */
    @Override
    public void close() {
        if (api != null) {
            api.stop();
        }
        for (OutgoingMigration m : migrations.running()) {
            try {
                if (m.cancel()) {
                    endQueued(m);
                }
            } catch (RuntimeException e) {
                log("migration " + m.id() + ": could not cancel at shutdown: " + e.getMessage());
            }
        }
        if (receiver != null) {
            try {
                receiver.close();
            } catch (RuntimeException e) {
                log("closing the migration endpoint: " + e.getMessage());
            }
        }
        if (images != null) {
            images.close();
        }
        for (HostedVm vm : registry.all()) {
            if (registry.remove(vm)) {
                vm.discard();
            }
        }
        if (network != null) {
            network.close();
        }
    }
}
