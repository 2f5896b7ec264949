package dev.ferry.cli;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry run}: boots an image on a local machine, console on stdin/stdout. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a guest image on a local Ferry machine with the console on this terminal.",
                "The exit status is the guest's (0 when it powers off with success)."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--image", paramLabel = "NAME|PATH",
            description = "Built-in workload name (see 'ferry images') or path to an rv64 ELF.")
    private String image;

    @Option(names = "--mem", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Guest RAM (default: 128M, or the saved state's size with --restore).")
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

    @Option(names = "--append", paramLabel = "ARGS",
            description = "Boot arguments for the guest (as QEMU's -append), e.g. \"wss=64M rate=max\".")
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
        if (image == null && restore == null) {
            throw new UserError("give an image to boot (--image NAME|PATH) or a state to resume (--restore FILE)");
        }
        if (image != null && restore != null) {
            throw new UserError("--image and --restore exclude each other: a saved state already holds the memory");
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
        long ram = mem == null ? MachineConfig.DEFAULT_RAM : mem;
        String bootArgs = String.join(" ", append == null ? List.of() : List.of(append.trim()));
        if (!params.isEmpty()) {
            bootArgs = (bootArgs.isEmpty() ? "" : bootArgs + " ") + String.join(" ", params);
        }
        MachineConfig config;
        try {
            config = new MachineConfig(ram, deterministic, bootArgs, out);
        } catch (IllegalArgumentException e) {
            throw new UserError("--mem: " + e.getMessage());
        }
        try {
            ElfImage elf = GuestImages.ofInstallation().load(image);
            VirtMachine machine = new VirtMachine(config);
            machine.boot(elf);
            return machine;
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

    private static Thread startConsoleInput(VirtMachine machine, InputStream in) {
        Thread t = new Thread(() -> {
            try {
                int b;
                while (!Thread.currentThread().isInterrupted() && (b = in.read()) >= 0) {
                    machine.consoleInput((byte) b);
                }
            } catch (IOException e) {
                return;
            }
        }, "console-input");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
