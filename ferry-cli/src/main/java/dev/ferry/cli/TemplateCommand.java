package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.CreateTemplateRequest;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.TemplateList;
import dev.ferry.host.template.TemplateManifest;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry template ...}: templates in a host's template directory, through its control API. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Make, list, show and delete templates: read-only qcow2 bases of a paused VM's disks with its "
                + "state and boot files, from which 'ferry vm create --template' starts VMs.",
        subcommands = {TemplateCommand.Create.class, TemplateCommand.ListTemplates.class, TemplateCommand.Show.class,
            TemplateCommand.Delete.class})
public final class TemplateCommand implements Runnable {

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "say what to do: create, list, show or delete");
    }

    static String path(String name) {
        return "/v1/templates/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String describe(TemplateManifest t) {
        long size = t.disks().stream().mapToLong(TemplateManifest.Disk::sizeBytes).sum();
        long data = t.disks().stream().mapToLong(TemplateManifest.Disk::dataBytes).sum();
        return String.format(Locale.ROOT, "%d MiB RAM, %d disk%s (%d MiB, %.1f MiB of data), %s, from VM %s on %s at %s",
                t.ramBytes() >> 20, t.disks().size(), t.disks().size() == 1 ? "" : "s", size >> 20,
                data / 1048576.0, t.state() == null ? "no saved state" : "saved state", t.sourceVm(), t.sourceHost(),
                t.created());
    }

    /** {@code ferry template create}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Make a template of a paused VM (pause it first with 'ferry vm pause').")
    static final class Create implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The template's name.")
        private String name;

        @Option(names = "--from", required = true, paramLabel = "VM", description = "The paused VM to make it of.")
        private String from;

        @Override
        public Integer call() {
            JsonNode answer = host.client().post("/v1/templates", new CreateTemplateRequest(name, from));
            TemplateManifest t = HostClient.convert(answer, TemplateManifest.class);
            System.out.printf("created template %s: %s%n", t.name(), describe(t));
            return 0;
        }
    }

    /** {@code ferry template list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the templates the host sees.")
    static final class ListTemplates implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Override
        public Integer call() {
            TemplateList list = host.client().get("/v1/templates", TemplateList.class);
            PrintStream out = System.out;
            out.printf("templates in %s%n", list.directory());
            for (TemplateList.Entry e : list.templates()) {
                out.printf("%-20s %s%n", e.name(), e.template() != null ? describe(e.template())
                        : "BROKEN: " + e.error());
            }
            return 0;
        }
    }

    /** {@code ferry template show}. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a template's template.json.")
    static final class Show implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The template.")
        private String name;

        @Override
        public Integer call() throws Exception {
            JsonNode t = host.client().get(path(name));
            System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(t));
            return 0;
        }
    }

    /** {@code ferry template delete}. */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a template (refused while a VM of the host uses it).")
    static final class Delete implements Callable<Integer> {

        @Mixin
        private HostOption host;

        @Parameters(paramLabel = "NAME", description = "The template.")
        private String name;

        @Override
        public Integer call() {
            host.client().delete(path(name));
            System.out.printf("deleted template %s%n", name);
            return 0;
        }
    }
}
