package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ferry} command. */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
        description = "Live migration of running RISC-V virtual machines.",
        subcommands = {RunCommand.class, ImagesCommand.class, HostCommand.class, VmCommand.class,
            MigrateCommand.class, DemoCommand.class})
public final class Main implements Runnable {

    /** Exit status for bad input: unknown option, unreadable image, corrupt state file, unreachable host. */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with Ferry's error handling: one clear line for bad input. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("ferry: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError error) {
                cmd.getErr().println("ferry: " + error.getMessage());
                return error.exitCode();
            }
            throw ex;
        });
        return cl;
    }

    /** Runs the command and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
