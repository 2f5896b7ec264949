package dev.ferry.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --host} and {@code --token-file} options of the {@code ferry vm} commands. */
public final class HostOption {

    /** Where {@code ferry host} listens unless told otherwise. */
    public static final String DEFAULT = "127.0.0.1:7101";

    @Option(names = "--host", paramLabel = "HOST:PORT", defaultValue = DEFAULT,
            description = "Control API address of the host (default: ${DEFAULT-VALUE}; https://HOST:PORT for a "
                    + "remote host).")
    String host;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The host's API token (default: $XDG_CONFIG_HOME/ferry/token, which hosts create).")
    Path tokenFile;

    /** A client for that host. */
    public HostClient client() {
        return new HostClient(host, TokenFile.of(tokenFile));
    }
}
