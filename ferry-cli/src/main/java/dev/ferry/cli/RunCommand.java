package dev.ferry.cli;

import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.storage.StorageBackends;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry run}: boots an image on a local machine, console on stdin/stdout. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a guest image on a local Ferry machine with the console on this terminal.",
                "The exit status is the guest's (0 when it powers off with success)."})
public final class RunCommand implements Callable<Integer> {

    /** Disks as raw files, qcow2 images or NBD exports; network interfaces on TAP devices or none. */
    private static final DeviceBackends BACKENDS = new DeviceBackends(
            StorageBackends.factory(BlockBackendFactory.STANDARD), NetBackendFactory.STANDARD);

    /** How long console input waits for room in the UART's buffer before offering a byte again. */
    private static final long INPUT_RETRY_MS = 5;

    @Option(names = "--image", paramLabel = "NAME|PATH",
            description = "Built-in image name (see 'ferry images'; 'linux' is the Linux guest, 'web' the same with "
                    + "its network services) or path to an rv64 ELF.")
    private String image;

    @Mixin
    private MachineOptions machine = new MachineOptions();

    @Option(names = "--mem", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Guest RAM (default: 128M; 256M for --image linux and web; the saved state's size with "
                    + "--restore).")
    private Long mem;

    @Option(names = "--deterministic",
            description = "Time is the count of retired instructions: the state after N instructions is a pure "
                    + "function of the image and N.")
    private boolean deterministic;

    @Option(names = "--max-instructions", paramLabel = "N",
            description = "Stop after exactly N retired instructions (counted from boot, across --restore).")
    private Long maxInstructions;

    @Option(names = "--state-hash", description = "When the run ends, print the SHA-256 of the complete machine state.")
    private boolean stateHash;

    @Option(names = "--save-state", paramLabel = "FILE", description = "Save the machine state at --max-instructions.")
    private Path saveState;

    @Option(names = "--restore", paramLabel = "FILE", description = "Start from a saved state instead of booting.")
    private Path restore;

    @Option(names = "--balloon",
            description = "Give the guest a virtio balloon device (as QEMU's -device virtio-balloon-device).")
    private boolean balloon;

    @Option(names = "--append", paramLabel = "ARGS",
            description = "Boot arguments for the guest (as QEMU's -append), e.g. \"wss=64M rate=max\" (default for "
                    + "--image linux and web: \"console=ttyS0\"; web adds ferry.run=web after all arguments).")
    private String append;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = "Workload parameters, added to the boot arguments.")
    private List<String> params = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        validate();
        PrintStream out = System.out;
        VirtMachine machine = restore != null ? restored(out) : booted(out);
        Thread input = startConsoleInput(machine, System.in);
        VirtMachine.Exit exit = machine.run(maxInstructions == null ? Long.MAX_VALUE : maxInstructions);
        input.interrupt();
        out.flush();
        if (saveState != null) {
            machine.saveState(saveState);
            System.err.printf("ferry: state saved to %s at %d instructions%n", saveState, machine.instructions());
        }
        if (stateHash) {
            out.println();
            out.println("state-hash: " + machine.stateHash() + " instructions: " + machine.instructions());
        }
        out.flush();
        if (exit == VirtMachine.Exit.POWERED_OFF) {
            int code = machine.exitCode();
            return code == 0 ? 0 : Math.max(1, code & 0xff);
        }
        return 0;
    }

    private void validate() {
        if (image == null && restore == null && machine.kernel == null) {
            throw new UserError("give an image to boot (--image NAME|PATH or --kernel FILE) or a state to resume "
                    + "(--restore FILE)");
        }
        if (image != null && machine.kernel != null) {
            throw new UserError("--image and --kernel exclude each other: give one thing to boot");
        }
        if ((image != null || machine.kernel != null) && restore != null) {
            throw new UserError("--" + (image != null ? "image" : "kernel") + " and --restore exclude each other: a "
                    + "saved state already holds the memory");
        }
        if (restore != null && machine.anyGiven()) {
            throw new UserError("--kernel, --initrd, --bios, --drive, --nic and --rng have no effect with --restore: "
                    + "the machine comes from the saved state");
        }
        if (machine.initrd != null && machine.kernel == null && !GuestImages.bootsLinux(image)) {
            throw new UserError("--initrd needs --kernel (or --image linux): an initrd is for a kernel");
        }
        if (saveState != null && maxInstructions == null) {
            throw new UserError("--save-state needs --max-instructions N: the point at which to save");
        }
        if (maxInstructions != null && maxInstructions < 0) {
            throw new UserError("--max-instructions must not be negative");
        }
        if (restore != null && (append != null || !params.isEmpty())) {
            throw new UserError("boot arguments have no effect with --restore: the guest already booted");
        }
        for (String p : params) {
            if (!p.contains("=")) {
                throw new UserError("unexpected argument '" + p + "' (workload parameters look like key=value)");
            }
        }
    }

    private VirtMachine booted(PrintStream out) {
        GuestImages images = GuestImages.ofInstallation();
        Path kernel = machine.kernel;
        Path initrd = machine.initrd;
        String defaultAppend = "";
        long defaultRam = MachineConfig.DEFAULT_RAM;
        boolean builtInLinux = GuestImages.bootsLinux(image) && !Files.isRegularFile(Path.of(image));
        if (builtInLinux) {
            GuestImages.LinuxGuest linux = images.linux().orElseThrow(() -> new UserError("the Linux guest is not "
                    + "built: no " + images.buildDir().resolve(GuestImages.LINUX) + "/Image and initramfs.cpio.gz "
                    + "(build it with: make -C guests linux)"));
            kernel = linux.kernel();
            initrd = initrd == null ? linux.initrd() : initrd;
            defaultAppend = GuestImages.LinuxGuest.DEFAULT_APPEND;
            defaultRam = GuestImages.LinuxGuest.DEFAULT_RAM;
        }
        boolean kernelBoot = kernel != null || (machine.bios != null && !machine.bios.equals("none"));
        long ram = mem == null ? defaultRam : mem;
        String bootArgs = String.join(" ", List.of(append == null ? defaultAppend : append.trim()));
        if (!params.isEmpty()) {
            bootArgs = (bootArgs.isEmpty() ? "" : bootArgs + " ") + String.join(" ", params);
        }
        if (builtInLinux) {
            bootArgs = GuestImages.commandLine(image, bootArgs);
        }
        MachineConfig config;
        try {
            config = new MachineConfig(ram, deterministic, bootArgs, out).withBalloon(balloon);
        } catch (IllegalArgumentException e) {
            throw new UserError("--mem: " + e.getMessage());
        }
        config = config.withDrives(machine.driveConfigs(true)).withNics(machine.nicConfigs()).withRng(machine.rng)
                .withMrom(kernelBoot);
        try {
            if (kernelBoot) {
                BootFiles files = machine.bootFiles(kernel != null ? kernel : images.resolve(image), initrd, ram);
                VirtMachine vm = new VirtMachine(config, BACKENDS);
                vm.boot(files);
                return vm;
            }
            ElfImage elf = images.load(image);
            VirtMachine vm = new VirtMachine(config, BACKENDS);
            vm.boot(elf);
            return vm;
        } catch (ImageFormatException e) {
            throw new UserError(e.getMessage());
        }
    }

    private VirtMachine restored(PrintStream out) {
        try {
            VirtMachine machine = VirtMachine.fromStateFile(restore, out);
            if (mem != null && mem != machine.config().ramSize()) {
                throw new UserError(String.format("--mem %d MiB does not match the saved state's %d MiB",
                        mem >> 20, machine.config().ramSize() >> 20));
            }
            if (deterministic && !machine.config().deterministic()) {
                throw new UserError("the saved state was taken in real-time mode; it cannot resume deterministically");
            }
            return machine;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError(restore + ": no such file");
        } catch (IOException e) {
            throw new UserError(restore + ": " + e.getMessage());
        }
    }

    /**
     * Reads console input into the UART, the whole of it also when it comes from a pipe faster than the guest
     * reads: a byte the UART's buffer has no room for waits and is offered again, as QEMU's character back end
     * waits for the device to accept more.
     */
    private static Thread startConsoleInput(VirtMachine machine, InputStream in) {
        Thread t = new Thread(() -> {
            try {
                int b;
                while (!Thread.currentThread().isInterrupted() && (b = in.read()) >= 0) {
                    while (!machine.consoleInput((byte) b)) {
                        Thread.sleep(INPUT_RETRY_MS);
                    }
                }
            } catch (IOException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "console-input");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
