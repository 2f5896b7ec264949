package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Main} builds only the subcommand it runs, and all of them when the first argument names none. */
class MainTest {

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertThat(Main.commandLine(new String[] {"run", "--image", "hello"}).getSubcommands().keySet())
                .containsExactly("run");
        assertThat(Main.commandLine(new String[] {"vm", "list"}).getSubcommands().keySet()).containsExactly("vm");
    }

    @Test
    void helpAndUnknownNamesSeeEverySubcommand() {
        for (String[] argv : new String[][] {{}, {"--help"}, {"rnu"}}) {
            assertThat(Main.commandLine(argv).getSubcommands().keySet())
                    .containsExactly("run", "images", "host", "vm", "template", "migrate", "network", "cluster",
                            "simulate", "demo");
        }
        assertThat(Main.commandLine().getSubcommands()).hasSize(10);
    }

    @Test
    void badOptionOfALazilyBuiltSubcommandIsOneLineAndStatusTwo() {
        CommandLine cl = Main.commandLine(new String[] {"run", "--bogus"});
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("run", "--bogus")).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString().strip()).isEqualTo("ferry: Unknown option: '--bogus' (see 'ferry run --help')");
    }
}
