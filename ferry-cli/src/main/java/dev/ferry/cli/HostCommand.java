package dev.ferry.cli;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.auth.SharedSecret;
import dev.ferry.host.auth.TlsKeyStore;
import dev.ferry.host.http.HttpLimits;
import dev.ferry.host.membership.ClusterMembership;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.ReceiverLimits;
import dev.ferry.net.vxlan.VxlanPeer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry host}: runs a host daemon in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = {"Run a Ferry host in the foreground: it runs VMs, serves the control API and receives "
                + "migrating VMs. Logs one line per event; SIGTERM or Ctrl-C stops it and its VMs.",
                "Every control API request must carry the token in --token-file, which only this user can read. "
                + "Off loopback the API is served only over TLS (--tls-keystore, --tls-password-file)."})
public final class HostCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Option(names = "--name", paramLabel = "NAME", description = "The host's name (default: its address).")
    private String name;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = HostOption.DEFAULT,
            description = "Control API address (default: ${DEFAULT-VALUE}; a non-loopback address needs TLS).")
    private String listen;

    @Option(names = "--migration-listen", paramLabel = "HOST:PORT",
            description = "Migration endpoint (default: the control API's IP, a port the OS picks).")
    private String migrationListen;

    @Option(names = "--vxlan", paramLabel = "HOST[:PORT]",
            description = "Local UDP address of the VXLAN endpoint that links this host's virtual switch to its peers "
                    + "(default: none; the switch then connects only this host's VMs and uplinks).")
    private String vxlan;

    @Option(names = "--peer", paramLabel = "HOST[:PORT]",
            description = "Another host's VXLAN endpoint (repeatable; port 4789 when not given); packets from any "
                    + "other address are dropped.")
    private List<String> peers = new ArrayList<>();

    @Option(names = "--vni", paramLabel = "N", defaultValue = "" + NetworkSettings.DEFAULT_VNI,
            description = "VXLAN network identifier of the segment (default: ${DEFAULT-VALUE}).")
    private int vni;

    @Option(names = "--uplink", paramLabel = "tap:NAME",
            description = "Create TAP device NAME and connect it to the switch, for clients on this machine "
                    + "(repeatable; needs root).")
    private List<String> uplinks = new ArrayList<>();

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "Shared secret of the hosts (default: $XDG_CONFIG_HOME/ferry/secret, created on first use).")
    private Path secretFile;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Control API token (default: $XDG_CONFIG_HOME/ferry/token, created on first use).")
    private Path tokenFile;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "PKCS#12 key store with the host's TLS key and certificate: serve the API over HTTPS.")
    private Path tlsKeyStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE",
            description = "File (mode 0600) whose first line is the key store's password.")
    private Path tlsPasswordFile;

    @Option(names = "--image-dir", paramLabel = "DIR",
            description = "The only directory the host boots images from, besides uploads (default: the built-in "
                    + "images).")
    private Path imageDir;

    @Option(names = "--cluster", paramLabel = "HOST:PORT",
            description = "Join the cluster whose manager listens there: report to it every second and hold a lease.")
    String cluster;

    @Option(names = "--cores", paramLabel = "N",
            description = "CPU cores the host offers its cluster's VMs (default: the machine's).")
    Double cores;

    @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "RAM the host offers its cluster's VMs (default: the machine's).")
    Long memory;

    @Option(names = "--storage-dir", paramLabel = "DIR",
            description = "Where the host writes disks it creates: disks of VMs that migrate in with their local disk, "
                    + "template overlays, clones (default: $XDG_DATA_HOME/ferry/hosts/NAME/disks).")
    Path storageDir;

    @Option(names = "--template-dir", paramLabel = "DIR",
            description = "Where templates are kept; give every host that should share them the same directory "
                    + "(default: $XDG_DATA_HOME/ferry/templates).")
    Path templateDir;

    @Option(names = "--max-image-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest image clients may upload (default: 256M).")
    private Long maxImageSize;

    @Option(names = "--request-timeout", paramLabel = "SECONDS",
            description = "Seconds a client has to send a request's line and headers (default: 10); the body gets "
                    + "as long again plus a second per MiB.")
    private Integer requestTimeout;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Control API connections served at once; more are closed as they arrive (default: 256).")
    private Integer maxConnections;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            description = "Control API connections from one IP address at once (default: 64).")
    private Integer maxConnectionsPerAddress;

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
        ReceiverLimits limits;
        try {
            limits = new ReceiverLimits(maxHandshakes, maxHandshakesPerAddress, handshakeTimeout, maxIncoming);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if ((tlsKeyStore == null) != (tlsPasswordFile == null)) {
            throw new UserError("--tls-keystore and --tls-password-file go together");
        }
        if (tlsKeyStore == null && !control.getAddress().isLoopbackAddress()) {
            throw new UserError("--listen: " + listen + " is not a loopback address: remote access to the control "
                    + "API needs TLS (--tls-keystore FILE --tls-password-file FILE)");
        }
        Path secretPath = secretFile != null ? secretFile : SharedSecret.defaultFile();
        byte[] secret = load("--secret-file", "secret file", secretPath, () -> SharedSecret.loadOrCreate(secretPath));
        Path tokenPath = tokenFile != null ? tokenFile : ApiToken.defaultFile();
        ApiToken token = load("--token-file", "token file", tokenPath, () -> ApiToken.loadOrCreate(tokenPath));
        ControlSettings settings = ControlSettings.of(token);
        if (tlsKeyStore != null) {
            settings = settings.withTls(load("--tls-keystore", "TLS key store", tlsKeyStore,
                    () -> TlsKeyStore.serverContext(tlsKeyStore, tlsPasswordFile)));
        }
        if (maxImageSize != null) {
            if (maxImageSize < 1) {
                throw new UserError("--max-image-size must be positive");
            }
            settings = settings.withMaxImageBytes(maxImageSize);
        }
        if (requestTimeout != null) {
            if (requestTimeout < 1) {
                throw new UserError("--request-timeout must be at least 1 second");
            }
            settings = settings.withLimits(settings.limits().withHeadTimeout(Duration.ofSeconds(requestTimeout)));
        }
        if (maxConnections != null || maxConnectionsPerAddress != null) {
            HttpLimits l = settings.limits();
            int total = maxConnections != null ? maxConnections : l.maxConnections();
            int perAddress = maxConnectionsPerAddress != null ? maxConnectionsPerAddress : l.maxConnectionsPerAddress();
            if (total < 1 || perAddress < 1) {
                throw new UserError("--max-connections and --max-connections-per-address must be positive");
            }
            settings = settings.withLimits(l.withConnections(total, perAddress));
        }
        GuestImages images = GuestImages.ofInstallation();
        if (imageDir != null) {
            if (!Files.isDirectory(imageDir)) {
                throw new UserError("--image-dir: " + imageDir + " is not a directory");
            }
            images = new GuestImages(imageDir);
        }
        PrintStream out = System.out;
        String hostName = name != null ? name : HostAddress.format(control);
        HostConfig config;
        try {
            config = new HostConfig(hostName, control, migration, secret, images, line -> log(out, line), settings,
                    encryption, limits, maxOutgoing, network(), storage(hostName));
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
        ClusterMembership membership = null;
        if (cluster != null) {
            InetSocketAddress manager;
            try {
                manager = HostAddress.parse(cluster);
            } catch (IllegalArgumentException e) {
                throw new UserError("--cluster: " + e.getMessage());
            }
            double c = cores != null ? cores : Runtime.getRuntime().availableProcessors();
            long m = memory != null ? memory : ((com.sun.management.OperatingSystemMXBean)
                    ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
            if (!(c > 0) || m <= 0) {
                throw new UserError("--cores and --memory must be positive");
            }
            membership = ClusterMembership.join(host, manager, settings.token(), c, m, ClusterMembership.DEFAULT_INTERVAL);
            log(out, "member of the cluster managed at " + HostAddress.format(manager) + " (" + c + " cores, "
                    + (m >> 20) + " MiB)");
        }
        ClusterMembership member = membership;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (member != null) {
                member.close();
            }
            log(out, "shutting down: stopping " + host.vms().all().size() + " VM(s)");
            host.close();
            log(out, "stopped");
            stopped.countDown();
        }, "ferry-host-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        log(out, "host " + hostName + " (Ferry " + FerryHost.VERSION + "): control API "
                + (settings.tls() != null ? "https://" : "http://") + HostAddress.format(host.controlAddress())
                + ", migration endpoint " + HostAddress.format(host.migrationEndpoint()) + ", secret " + secretPath
                + ", token " + tokenPath);
        stopped.await();
        return 0;
    }

    /** Something read from a file at start-up. */
    private interface FileLoader<T> {
        T load() throws IOException;
    }

    private static <T> T load(String option, String what, Path file, FileLoader<T> loader) {
        try {
            return loader.load();
        } catch (NoSuchFileException e) {
            throw new UserError(option + ": " + file + ": no such file");
        } catch (IOException e) {
            throw new UserError(what + " " + e.getMessage());
        }
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

    private StorageDirs storage(String hostName) {
        StorageDirs defaults = StorageDirs.defaults(hostName);
        return new StorageDirs(storageDir != null ? storageDir : defaults.disks(),
                templateDir != null ? templateDir : defaults.templates());
    }

    private NetworkSettings network() {
        List<InetSocketAddress> peerAddresses = new ArrayList<>();
        for (String p : peers) {
            peerAddresses.add(vxlanAddress("--peer", p));
        }
        return new NetworkSettings(vxlan == null ? null : vxlanAddress("--vxlan", vxlan), peerAddresses, vni,
                uplinks);
    }

    private static InetSocketAddress vxlanAddress(String option, String value) {
        try {
            return VxlanPeer.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
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
