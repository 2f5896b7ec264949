package dev.ferry.bench.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of the benchmark's own holding the clients' end of a host's TAP uplink: the TAP device is
 * moved into it and given an address in the VMs' subnet, so programs run in it ({@link #command}) reach the VMs only
 * through the host's virtual switch. Closing deletes the namespace; if the JVM ends first (Ctrl-C), a shutdown hook
 * stops this JVM's child processes (the clients) and deletes it.
 */
final class ClientNamespace implements AutoCloseable {

    private static final long IP_TIMEOUT_SECONDS = 20;

    private final String name;
    private final Thread hook;
    private boolean closed;

    private ClientNamespace(String name) {
        this.name = name;
        this.hook = new Thread(() -> {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            delete();
        }, "ferry-bench-netns-cleanup");
    }

    /**
     * Creates namespace {@code name}, moves TAP device {@code tap} into it and brings it up there with
     * {@code address} (CIDR, e.g. {@code 10.77.0.1/24}).
     *
     * @throws IOException with the failing command and its output; the namespace is gone again then
     */
    static ClientNamespace create(String name, String tap, String address) throws IOException, InterruptedException {
        ip("netns", "add", name);
        ClientNamespace ns = new ClientNamespace(name);
        Runtime.getRuntime().addShutdownHook(ns.hook);
        try {
            ip("link", "set", tap, "netns", name);
            ip("-n", name, "addr", "add", address, "dev", tap);
            ip("-n", name, "link", "set", tap, "up");
            ip("-n", name, "link", "set", "lo", "up");
            return ns;
        } catch (IOException | InterruptedException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** The namespace's name. */
    String name() {
        return name;
    }

    /** {@code cmd} run inside the namespace ({@code ip netns exec NAME cmd...}). */
    List<String> command(List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(cmd);
        return full;
    }

    /** Deletes the namespace (and with it whatever device is still in it). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran: it deletes the namespace too
        }
    }

    private synchronized void delete() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ip("netns", "del", name);
        } catch (IOException e) {
            System.err.println("ferry bench network: could not delete network namespace " + name + " (remove it with "
                    + "'ip netns del " + name + "'): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code ip ARGS...}; a failure is an IOException with its output. */
    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": no answer within " + IP_TIMEOUT_SECONDS + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
    }
}
