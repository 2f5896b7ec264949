package dev.ferry.cli;

import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** One API token file for the in-process hosts of the CLI tests, and the commands that must send it. */
final class TestToken {

    /** The token file (mode 0600, in a fresh temporary directory). */
    static final Path FILE;
    /** Its token. */
    static final ApiToken TOKEN;

    static {
        try {
            Path dir = Files.createTempDirectory("ferry-test-token");
            FILE = dir.resolve("token");
            TOKEN = ApiToken.loadOrCreate(FILE);
            FILE.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Set<String> TALK_TO_HOSTS = Set.of("vm", "migrate", "template");

    private TestToken() {
    }

    /** Control API settings of a test host. */
    static ControlSettings settings() {
        return ControlSettings.of(TOKEN);
    }

    /** {@code args} with {@code --token-file FILE} added when the command talks to hosts. */
    static String[] withToken(String... args) {
        if (args.length < 2 || !TALK_TO_HOSTS.contains(args[0])) {
            return args;
        }
        String[] out = Arrays.copyOf(args, args.length + 2);
        out[args.length] = "--token-file";
        out[args.length + 1] = FILE.toString();
        return out;
    }
}
