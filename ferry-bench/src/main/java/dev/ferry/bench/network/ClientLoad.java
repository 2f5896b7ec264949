package dev.ferry.bench.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real clients of a web server, run inside the client namespace for a fixed time: Debian's {@code wrk} with the
 * timeline script, keeping {@code connections} connections busy, and {@code ping -D -i 0.005} to the same address.
 * Their output goes to files in a scratch directory, read when both ended.
 */
final class ClientLoad {

    /** Seconds a client may run past its duration before it is killed. */
    private static final long GRACE_SECONDS = 30;
    /** Seconds an overrunning wrk gets to stop after SIGINT. */
    private static final long INTERRUPT_SECONDS = 10;

    private final Process wrk;
    private final Process ping;
    private final Path wrkOut;
    private final Path pingOut;
    private final long startNanos;
    private final int seconds;

    /** What the clients measured. */
    record Result(ResponseTimeline timeline, List<String> wrkSummary, PingLog ping, String wrkErrors) { }

    private ClientLoad(Process wrk, Process ping, Path wrkOut, Path pingOut, long startNanos, int seconds) {
        this.wrk = wrk;
        this.ping = ping;
        this.wrkOut = wrkOut;
        this.pingOut = pingOut;
        this.startNanos = startNanos;
        this.seconds = seconds;
    }

    /**
     * Starts both clients against {@code address} (HTTP on port 80); their output goes to {@code dir}, named after
     * {@code label}.
     */
    static ClientLoad start(ClientNamespace ns, Path script, String address, int connections, int seconds,
            Path dir, String label) throws IOException {
        Path wrkOut = dir.resolve(label + "-wrk.txt");
        Path pingOut = dir.resolve(label + "-ping.txt");
        int threads = Math.min(2, connections);
        long start = System.nanoTime();
        Process wrk = new ProcessBuilder(ns.command(List.of("wrk", "-t" + threads, "-c" + connections,
                "-d" + seconds + "s", "--timeout", "10s", "--latency", "-s", script.toString(),
                "http://" + address + "/"))).redirectErrorStream(true).redirectOutput(wrkOut.toFile()).start();
        Process ping;
        try {
            ping = new ProcessBuilder(ns.command(List.of("ping", "-D", "-n", "-i", "0.005", "-W", "1",
                    "-w", Integer.toString(seconds), address))).redirectErrorStream(true)
                    .redirectOutput(pingOut.toFile()).start();
        } catch (IOException e) {
            wrk.destroyForcibly();
            throw e;
        }
        return new ClientLoad(wrk, ping, wrkOut, pingOut, start, seconds);
    }

    /** {@link System#nanoTime()} just before the clients started. */
    long startNanos() {
        return startNanos;
    }

    /**
     * Waits for both clients to end (at most their duration plus {@value #GRACE_SECONDS} s; then they are killed)
     * and reads what they measured.
     *
     * @throws IOException if wrk failed or printed no timeline
     */
    Result await() throws IOException, InterruptedException {
        long deadline = startNanos + TimeUnit.SECONDS.toNanos(seconds + GRACE_SECONDS);
        boolean wrkEnded = wrk.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                || interrupt(wrk);
        boolean pingEnded = waitUntil(ping, deadline);
        String wrkText = Files.readString(wrkOut, StandardCharsets.UTF_8);
        if (!wrkEnded || !pingEnded) {
            throw new IOException((wrkEnded ? "ping" : "wrk") + " did not end within " + (seconds + GRACE_SECONDS)
                    + " s; killed");
        }
        if (wrk.exitValue() != 0) {
            throw new IOException("wrk failed (" + wrk.exitValue() + "): " + wrkText.strip());
        }
        ResponseTimeline timeline;
        try {
            timeline = ResponseTimeline.parse(wrkText);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage() + "; wrk printed: " + wrkText.strip(), e);
        }
        List<String> summary = wrkText.lines().filter(l -> !l.startsWith("ferry-timeline"))
                .filter(l -> l.contains("requests in") || l.contains("Requests/sec") || l.contains("Socket errors")
                        || l.contains("Non-2xx") || l.strip().startsWith("Latency") || l.strip().startsWith("50%")
                        || l.strip().startsWith("99%"))
                .map(String::strip).toList();
        String errors = wrkText.lines().filter(l -> l.contains("Socket errors")).findFirst().orElse("").strip();
        return new Result(timeline, summary, PingLog.parse(Files.readString(pingOut, StandardCharsets.UTF_8)),
                errors);
    }

    /** Kills both clients (a failed run). */
    void kill() {
        wrk.destroyForcibly();
        ping.destroyForcibly();
    }

    /**
     * Asks a wrk that overran to stop as Ctrl-C does (it then prints what it measured, the script's lines too) and
     * gives it {@value #INTERRUPT_SECONDS} s; then kills it. Returns whether it ended on its own.
     */
    private static boolean interrupt(Process p) throws IOException, InterruptedException {
        System.err.println("ferry bench network: wrk overran its duration; interrupting it");
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).redirectErrorStream(true).start();
        kill.waitFor(5, TimeUnit.SECONDS);
        if (p.waitFor(INTERRUPT_SECONDS, TimeUnit.SECONDS)) {
            return true;
        }
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return false;
    }

    private static boolean waitUntil(Process p, long deadlineNanos) throws InterruptedException {
        if (p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return true;
        }
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return false;
    }
}
