package dev.ferry.cli;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.SharedSecret;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
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

    @Option(names = "--encrypt", paramLabel = "WHEN", defaultValue = "auto",
            description = "Encrypt migration connections, in and out: always, auto (when the peer is not loopback; "
                    + "the default) or never.")
    private String encrypt;

    @Option(names = "--allow-plaintext", description = "With --encrypt never: also migrate unencrypted with hosts "
            + "that are not loopback (VM memory crosses the network readable to anyone on the path).")
    private boolean allowPlaintext;

    @Override
    public Integer call() throws InterruptedException {
        EncryptionPolicy encryption = encryption();
        InetSocketAddress control = address("--listen", listen);
        InetSocketAddress migration = migrationListen == null ? null : address("--migration-listen", migrationListen);
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
        FerryHost host;
        try {
            host = FerryHost.start(new HostConfig(hostName, control, migration, secret, GuestImages.ofInstallation(),
                    line -> log(out, line), encryption));
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

    private EncryptionPolicy encryption() {
        EncryptionMode mode;
        try {
            mode = EncryptionMode.valueOf(encrypt.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--encrypt: expected always, auto or never, not " + encrypt);
        }
        if (allowPlaintext && mode != EncryptionMode.NEVER) {
            throw new UserError("--allow-plaintext goes with --encrypt never");
        }
        return new EncryptionPolicy(mode, allowPlaintext);
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
