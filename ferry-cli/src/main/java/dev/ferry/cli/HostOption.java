package dev.ferry.cli;

import picocli.CommandLine.Option;

/** The {@code --host} option of the {@code ferry vm} commands. */
public final class HostOption {

    /** Where {@code ferry host} listens unless told otherwise. */
    public static final String DEFAULT = "127.0.0.1:7101";

    @Option(names = "--host", paramLabel = "HOST:PORT", defaultValue = DEFAULT,
            description = "Control API address of the host (default: ${DEFAULT-VALUE}).")
    String host;

    /** A client for that host. */
    public HostClient client() {
        return new HostClient(host);
    }
}
