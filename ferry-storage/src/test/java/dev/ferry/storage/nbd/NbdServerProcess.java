package dev.ferry.storage.nbd;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real NBD server from Debian ({@code nbdkit} or {@code nbd-server}) run by a test on a loopback port of its own,
 * in the foreground, killed when the test closes it.
 * nbd-server runs with {@code -d}: it serves one connection, then exits. It can be killed and started again on the same port.
 */
public final class NbdServerProcess implements AutoCloseable {

    private final List<String> command;
    private final Path log;
    private final int port;
    private Process process;

    private NbdServerProcess(List<String> command, Path log, int port) {
        this.command = command;
        this.log = log;
        this.port = port;
    }

    /** True when {@code program} is on the PATH. */
    public static boolean installed(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** {@code nbdkit -f -i 127.0.0.1 -p PORT ARGS...} (for instance {@code memory 64M} or {@code file PATH}). */
    public static NbdServerProcess nbdkit(Path dir, String... args) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "-i", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return new NbdServerProcess(cmd, dir.resolve("nbdkit-" + port + ".log"), port).start();
    }

    /**
     * {@code nbd-server -d} with a configuration in {@code dir}: export {@code disk} (writable, flush, FUA and
     * trim) and export {@code ro} (read-only), both on {@code image}.
     */
    public static NbdServerProcess nbdServer(Path dir, Path image) throws IOException {
        int port = freePort();
        Path conf = dir.resolve("nbd-server-" + port + ".conf");
        Files.writeString(conf, """
                [generic]
                    port = %d
                    listenaddr = 127.0.0.1
                    allowlist = true
                [disk]
                    exportname = %s
                    flush = true
                    fua = true
                    trim = true
                [ro]
                    exportname = %s
                    readonly = true
                """.formatted(port, image, image));
        return new NbdServerProcess(List.of("nbd-server", "-C", conf.toString(), "-d"),
                dir.resolve("nbd-server-" + port + ".log"), port).start();
    }

    public int port() {
        return port;
    }

    /** The export {@code name} of this server. */
    public NbdAddress address(String name) {
        return NbdAddress.tcp("127.0.0.1", port, name);
    }

    /** Starts the server (again, on the same port) and waits until it accepts connections. */
    public NbdServerProcess start() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(command.getFirst() + " exited: " + Files.readString(log));
            }
            if (listening()) {
                return this;
            }
            sleep(25);
        }
        close();
        throw new IOException(command.getFirst() + " did not listen on port " + port + " within 10 s");
    }

    /**
     * Whether the port is in LISTEN state, read from {@code /proc/net/tcp} rather than by connecting: nbd-server
     * run with {@code -d} serves the first connection only.
     */
    private boolean listening() throws IOException {
        String local = String.format(":%04X ", port);
        for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && (f[1] + " ").endsWith(local) && f[3].equals("0A")) {
                return true;
            }
        }
        return false;
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
