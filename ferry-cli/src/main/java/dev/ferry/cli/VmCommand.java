package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.StateHashResponse;
import dev.ferry.host.api.VmInfo;
import dev.ferry.host.api.VmList;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry vm ...}: VMs on a host, through its control API. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "Create, list, inspect and control VMs on a host.",
        subcommands = {VmCommand.Create.class, VmCommand.ListVms.class, VmCommand.Info.class, VmCommand.Pause.class,
            VmCommand.Resume.class, VmCommand.Stop.class, VmCommand.Console.class, VmCommand.StateHash.class,
            VmCloneCommand.class})
public final class VmCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "say what to do: create, list, info, pause, resume, stop, console, state-hash or clone");
    }

    static String path(String name) {
        return "/v1/vms/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code ferry vm create}. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Boot a VM on the host and start it.")
    static final class Create implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The VM's name on the host.")
        private String name;

        @Option(names = "--image", paramLabel = "NAME|PATH",
                description = "Built-in image (see 'ferry images'; 'linux' is the Linux guest), or an rv64 ELF file: "
                        + "one you can read is uploaded to the host, any other path names a file in the host's image "
                        + "directory.")
        private String image;

        @Mixin
        private MachineOptions machine = new MachineOptions();

        @Option(names = "--append", paramLabel = "ARGS",
                description = "Boot arguments (the kernel command line, as QEMU's -append); default for --image "
                        + "linux: \"console=ttyS0\" (web: \"console=ttyS0 ferry.run=web\", and ferry.run=web is added "
                        + "after given arguments). With --kernel, --initrd, --bios FILE and --drive file=, files are "
                        + "named in the host's image directory.")
        private String append;

        @Option(names = "--mem", paramLabel = "SIZE", converter = SizeConverter.class,
                description = "Guest RAM (default: 128M).")
        private Long mem;

        @Option(names = "--ip", paramLabel = "A.B.C.D/N",
                description = "The VM's IPv4 address on the hosts' virtual segment: it gets a NIC on the host's "
                        + "switch, and a Linux guest the address through the kernel's ip= parameter.")
        private String ip;

        @Option(names = "--mac", paramLabel = "MAC",
                description = "MAC address of that NIC (default: derived from the VM's name, stable across "
                        + "migrations).")
        private String mac;

        @Option(names = "--template", paramLabel = "NAME",
                description = "Start the VM from a template (see 'ferry template list') instead of an image: its disks "
                        + "become copy-on-write overlays on the template's bases, and the template's kernel boots with "
                        + "its configuration and a fresh identity (MAC from --mac or the VM's name, --ip, --append).")
        private String template;

        @Option(names = "--resume",
                description = "With --template: restore the template's saved state instead of booting. The VM keeps "
                        + "the template's MAC, address and open connections: run one such VM per network at a time.")
        private boolean resume;

        @Option(names = "--deterministic", description = "Time is the count of retired instructions.")
        private boolean deterministic;

        @Option(names = "--balloon", description = "Give the VM a virtio balloon device.")
        private boolean balloon;

        @Option(names = "--max-instructions", paramLabel = "N",
                description = "The VM parks after exactly N retired instructions.")
        private Long maxInstructions;

        @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Workload parameters (boot arguments).")
        private List<String> params = new ArrayList<>();

        @Override
        public Integer call() {
            for (String p : params) {
                if (!p.contains("=")) {
                    throw new UserError("unexpected argument '" + p + "' (workload parameters look like key=value)");
                }
            }
            if (maxInstructions != null && maxInstructions < 0) {
                throw new UserError("--max-instructions must not be negative");
            }
            if (resume && template == null) {
                throw new UserError("--resume goes with --template: it restores a template's saved state");
            }
            if (template != null) {
                return fromTemplate();
            }
            if (image == null && machine.kernel == null) {
                throw new UserError("give an image to boot (--image NAME|PATH or --kernel FILE), or a --template");
            }
            if (image != null && machine.kernel != null) {
                throw new UserError("--image and --kernel exclude each other: give one thing to boot");
            }
            machine.driveConfigs(false);
            machine.nicConfigs();
            List<String> args = bootArgs();
            HostClient client = host.client();
            String hostImage = image == null || machine.kernel != null || GuestImages.bootsLinux(image)
                    || machine.bios != null ? image : hostImage(client);
            VmInfo vm = HostClient.convert(client.post("/v1/vms", new CreateVmRequest(name, hostImage,
                    mem == null ? null : Long.toString(mem), deterministic ? Boolean.TRUE : null, maxInstructions,
                    append == null && params.isEmpty() ? null : args, balloon ? Boolean.TRUE : null,
                    machine.kernel == null ? null : machine.kernel.toString(),
                    machine.initrd == null ? null : machine.initrd.toString(), machine.bios,
                    machine.drives.isEmpty() ? null : machine.drives, machine.nics.isEmpty() ? null : machine.nics,
                    machine.rng ? Boolean.TRUE : null, ip, mac)), VmInfo.class);
            System.out.printf("created VM %s on %s: %s, %d MiB%s, %s%n", vm.name(), host.host, vm.image(),
                    vm.ramBytes() >> 20, vm.deterministic() ? ", deterministic" : "", vm.state());
            return 0;
        }

        /** The boot arguments {@code --append} and the parameters give, after checking {@code --mac}. */
        private List<String> bootArgs() {
            if (mac != null && ip == null) {
                throw new UserError("--mac goes with --ip: it is the MAC of the VM's NIC on the host's switch");
            }
            List<String> args = new ArrayList<>();
            if (append != null) {
                args.add(append.trim());
            }
            args.addAll(params);
            return args;
        }

        /** {@code --template}: the template gives the machine; the VM gets its own name, address and arguments. */
        private Integer fromTemplate() {
            if (image != null || machine.anyGiven() || mem != null || deterministic || balloon) {
                throw new UserError("--template gives the machine: leave out --image, --kernel, --initrd, --bios, "
                        + "--drive, --nic, --rng, --mem, --balloon and --deterministic");
            }
            List<String> args = bootArgs();
            long t0 = System.nanoTime();
            VmInfo vm = HostClient.convert(host.client().post("/v1/vms", new CreateVmRequest(name, null, null, null,
                    maxInstructions, append == null && params.isEmpty() ? null : args, null, null, null, null, null,
                    null, null, ip, mac, template, resume ? Boolean.TRUE : null)), VmInfo.class);
            System.out.printf(Locale.ROOT, "created VM %s on %s from template %s (%s): %d MiB, %s in %.0f ms%n",
                    vm.name(), host.host, template, resume ? "resumed" : "booted", vm.ramBytes() >> 20, vm.state(),
                    (System.nanoTime() - t0) / 1e6);
            return 0;
        }

        /**
         * What to ask the host to boot: a file the user can name here is checked here and uploaded (the host reads
         * no one's files); anything else goes to the host as a built-in name or a file in its image directory.
         */
        private String hostImage(HostClient client) {
            Path local;
            try {
                local = Path.of(image);
            } catch (InvalidPathException e) {
                return image;
            }
            if (!Files.isRegularFile(local)) {
                return image;
            }
            try {
                ElfImage.read(local, mem == null ? MachineConfig.DEFAULT_RAM : mem);
            } catch (ImageFormatException e) {
                throw new UserError(e.getMessage());
            }
            return client.uploadImage(local);
        }
    }

    /** {@code ferry vm list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the VMs on the host.")
    static final class ListVms implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Override
        public Integer call() {
            VmList list = host.client().get("/v1/vms", VmList.class);
            PrintStream out = System.out;
            out.printf("%-16s %-14s %-22s %9s %16s %10s  %s%n", "NAME", "STATE", "IMAGE", "RAM", "INSTRUCTIONS",
                    "UPTIME", "MIGRATION");
            for (VmInfo vm : list.vms()) {
                out.printf(Locale.ROOT, "%-16s %-14s %-22s %5d MiB %,16d %9.1fs  %s%n", vm.name(), vm.state(),
                        vm.image(), vm.ramBytes() >> 20, vm.instructions(), vm.uptimeMs() / 1000.0,
                        vm.migration() == null ? "-" : vm.migration());
            }
            return 0;
        }
    }

    /** {@code ferry vm info}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a VM: state, instructions, dirty rate (sampled for 200 ms), memory, uptime.")
    static final class Info implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Override
        public Integer call() {
            VmInfo vm = host.client().get(path(name) + "?dirty_rate=true", VmInfo.class);
            field("name", vm.name());
            field("state", vm.state() + (vm.exitCode() != null ? " (exit code " + vm.exitCode() + ")" : ""));
            field("image", vm.image() + (vm.bootArgs().isEmpty() ? "" : " " + vm.bootArgs()));
            field("instructions", String.format(Locale.ROOT, "%,d", vm.instructions()));
            field("dirty rate", vm.dirtyRatePagesPerS() == null ? "n/a (migrating)"
                    : String.format(Locale.ROOT, "%,.0f pages/s (%s/s)", vm.dirtyRatePagesPerS(),
                            ReportFormat.bytes((long) (vm.dirtyRatePagesPerS() * 4096))));
            field("memory used", ReportFormat.bytes(vm.memoryUsedBytes()) + " of " + ReportFormat.bytes(vm.ramBytes()));
            field("deterministic", vm.deterministic() ? "yes" : "no");
            field("instruction limit", vm.instructionLimit() == null ? "none"
                    : String.format(Locale.ROOT, "%,d", vm.instructionLimit()));
            field("uptime", String.format(Locale.ROOT, "%.1f s", vm.uptimeMs() / 1000.0));
            if (vm.migration() != null) {
                field("migration", vm.migration());
            }
            return 0;
        }
    }

    private static void field(String label, String value) {
        System.out.printf("%-18s %s%n", label + ":", value);
    }

    /** {@code ferry vm pause}. */
    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Park a VM's vCPU.")
    static final class Pause implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Override
        public Integer call() {
            VmInfo vm = HostClient.convert(host.client().post(path(name) + "/pause", null), VmInfo.class);
            System.out.printf(Locale.ROOT, "%s: %s at %,d instructions%n", vm.name(), vm.state(), vm.instructions());
            return 0;
        }
    }

    /** {@code ferry vm resume}. */
    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a paused VM run again.")
    static final class Resume implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Override
        public Integer call() {
            VmInfo vm = HostClient.convert(host.client().post(path(name) + "/resume", null), VmInfo.class);
            System.out.printf("%s: %s%n", vm.name(), vm.state());
            return 0;
        }
    }

    /** {@code ferry vm stop}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Shut a VM down and remove it.")
    static final class Stop implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Override
        public Integer call() {
            host.client().post(path(name) + "/stop", null);
            System.out.printf("%s: stopped and removed%n", name);
            return 0;
        }
    }

    /** {@code ferry vm state-hash}. */
    @Command(name = "state-hash", mixinStandardHelpOptions = true,
            description = "SHA-256 of the VM's complete guest-visible state (a running VM pauses for it briefly).")
    static final class StateHash implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Override
        public Integer call() {
            StateHashResponse h = host.client().get(path(name) + "/state-hash", StateHashResponse.class);
            System.out.println("state-hash: " + h.stateHash() + " instructions: " + h.instructions());
            return 0;
        }
    }

    /** {@code ferry vm console}. */
    @Command(name = "console", mixinStandardHelpOptions = true,
            description = {"Print a VM's console output.",
                "With --follow, keep printing new output and send what you type to the VM until Ctrl-C."})
    static final class Console implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The VM.")
        private String name;

        @Option(names = {"-f", "--follow"}, description = "Stream output and forward stdin until Ctrl-C.")
        private boolean follow;

        @Override
        public Integer call() {
            HostClient client = host.client();
            PrintStream out = System.out;
            long offset = 0;
            if (follow) {
                startInput(client, System.in);
            }
            while (true) {
                HttpResponse<byte[]> r = client.getBytes(path(name) + "/console?offset=" + offset
                        + (follow ? "&wait_ms=1000" : ""), Duration.ofSeconds(30));
                long from = header(r, "X-Ferry-Offset", offset);
                if (from > offset) {
                    System.err.printf("ferry: (%d bytes of older output were dropped)%n", from - offset);
                }
                out.write(r.body(), 0, r.body().length);
                out.flush();
                offset = header(r, "X-Ferry-Next-Offset", offset + r.body().length);
                if (!follow && r.body().length == 0) {
                    return 0;
                }
            }
        }

        private void startInput(HostClient client, InputStream in) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[256];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        int sent = 0;
                        while (sent < n) {
                            JsonNode answer = client.postBytes(path(name) + "/console", Arrays.copyOfRange(buf, sent, n));
                            sent += Math.max(0, answer.path("accepted").asInt(n - sent));
                        }
                    }
                } catch (IOException | UserError e) {
                    return;
                }
            }, "console-input");
            t.setDaemon(true);
            t.start();
        }

        private static long header(HttpResponse<?> r, String name, long fallback) {
            return r.headers().firstValue(name).map(Long::parseLong).orElse(fallback);
        }
    }
}
