package dev.ferry.cli;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.SharedSecret;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.ReceiverLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry host}: runs a host daemon in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = {"Run a Ferry host in the foreground: it runs VMs, serves the control API and receives "
                + "migrating VMs. Logs one line per event; SIGTERM or Ctrl-C stops it and its VMs.",
                "The control API is unauthenticated: keep it on loopback (the default)."})
public final class HostCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Option(names = "--name", paramLabel = "NAME", description = "The host's name (default: its address).")
    private String name;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = HostOption.DEFAULT,
            description = "Control API address (default: ${DEFAULT-VALUE}; unauthenticated, keep it on loopback).")
    private String listen;

    @Option(names = "--migration-listen", paramLabel = "HOST:PORT",
            description = "Migration endpoint (default: the control API's IP, a port the OS picks).")
    private String migrationListen;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "Shared secret of the hosts (default: $XDG_CONFIG_HOME/ferry/secret, created on first use).")
    private Path secretFile;

    @Option(names = "--max-outgoing", paramLabel = "N", defaultValue = "" + HostConfig.DEFAULT_MAX_OUTGOING,
            description = "Migrations from this host at once, until their VM runs on the target; more wait in a "
                    + "queue (default: ${DEFAULT-VALUE}).")
    private int maxOutgoing;

    @Option(names = "--max-incoming", paramLabel = "N", defaultValue = "" + ReceiverLimits.DEFAULT_MAX_INCOMING,
            description = "Migrations into this host at once; their sources wait their turn (default: "
                    + "${DEFAULT-VALUE}).")
    private int maxIncoming;

    @Option(names = "--max-handshakes", paramLabel = "N", defaultValue = "" + ReceiverLimits.DEFAULT_MAX_HANDSHAKES,
            description = "Unauthenticated connections to the migration endpoint at once (default: ${DEFAULT-VALUE}).")
    private int maxHandshakes;

    @Option(names = "--max-handshakes-per-address", paramLabel = "N",
            defaultValue = "" + ReceiverLimits.DEFAULT_MAX_HANDSHAKES_PER_ADDRESS,
            description = "Unauthenticated connections from one IP address at once (default: ${DEFAULT-VALUE}).")
    private int maxHandshakesPerAddress;

    @Option(names = "--handshake-timeout", paramLabel = "MS",
            defaultValue = "" + ReceiverLimits.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS,
            description = "Milliseconds a connection has to authenticate (default: ${DEFAULT-VALUE}).")
    private long handshakeTimeout;

    @Override
    public Integer call() throws InterruptedException {
        InetSocketAddress control = address("--listen", listen);
        InetSocketAddress migration = migrationListen == null ? null : address("--migration-listen", migrationListen);
        ReceiverLimits limits;
        try {
            limits = new ReceiverLimits(maxHandshakes, maxHandshakesPerAddress, handshakeTimeout, maxIncoming);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Path file = secretFile != null ? secretFile : SharedSecret.defaultFile();
        byte[] secret;
        try {
            secret = SharedSecret.loadOrCreate(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError("--secret-file: " + file + ": no such file");
        } catch (IOException e) {
            throw new UserError("secret file " + file + ": " + e.getMessage());
        }
        PrintStream out = System.out;
        String hostName = name != null ? name : HostAddress.format(control);
        HostConfig config;
        try {
            config = new HostConfig(hostName, control, migration, secret, GuestImages.ofInstallation(),
                    line -> log(out, line), limits, maxOutgoing);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        FerryHost host;
        try {
            host = FerryHost.start(config);
        } catch (BindException e) {
            throw new UserError("cannot listen on " + listen + (migrationListen == null ? "" : " or " + migrationListen)
                    + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot start the host: " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log(out, "shutting down: stopping " + host.vms().all().size() + " VM(s)");
            host.close();
            log(out, "stopped");
            stopped.countDown();
        }, "ferry-host-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        log(out, "host " + hostName + " (Ferry " + FerryHost.VERSION + "): control API http://"
                + HostAddress.format(host.controlAddress()) + ", migration endpoint "
                + HostAddress.format(host.migrationEndpoint()) + ", secret " + file);
        stopped.await();
        return 0;
    }

    private static InetSocketAddress address(String option, String value) {
        try {
            return HostAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
    }

    private static void log(PrintStream out, String line) {
        synchronized (out) {
            out.println(LocalTime.now().format(TIME) + " " + line);
            out.flush();
        }
    }
}
