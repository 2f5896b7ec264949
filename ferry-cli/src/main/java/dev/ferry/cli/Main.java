package dev.ferry.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code ferry} command. Subcommands are registered by hand rather than in the annotation:
 * when the first argument names one, only that one is built, since picocli's model of the others (host, vm,
 * migrate with their HTTP and JSON types) costs a large part of {@code ferry run}'s start-up.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
        description = "Live migration of running RISC-V virtual machines.")
public final class Main implements Runnable {

    /** Exit status for bad input: unknown option, unreadable image, corrupt state file, unreachable host. */
    public static final int EXIT_BAD_INPUT = 2;

    /** The subcommands by name, in the order the help lists them. */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("run", RunCommand.class);
        m.put("images", ImagesCommand.class);
        m.put("host", HostCommand.class);
        m.put("vm", VmCommand.class);
        m.put("template", TemplateCommand.class);
        m.put("migrate", MigrateCommand.class);
        m.put("network", NetworkCommand.class);
        m.put("cluster", ClusterCommand.class);
        m.put("demo", DemoCommand.class);
        return m;
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with every subcommand and Ferry's error handling: one clear line for bad input. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * Builds the command line for {@code argv}: with only the subcommand its first argument names, or with all
     * of them when it names none (help, version, a mistyped name).
     */
    static CommandLine commandLine(String[] argv) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = argv.length > 0 ? SUBCOMMANDS.get(argv[0]) : null;
        for (Map.Entry<String, Class<?>> e : SUBCOMMANDS.entrySet()) {
            if (only == null || only == e.getValue()) {
                cl.addSubcommand(e.getKey(), e.getValue());
            }
        }
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
        System.exit(commandLine(args).execute(args));
    }
}
