package dev.ferry.bench.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The TCP rate this machine's loopback carries, measured with {@code iperf3}: a one-shot server on 127.0.0.1
 * and a client that sends for a few seconds and reports in JSON ({@code end.sum_received.bits_per_second}).
 * Migration figures are compared with the time this rate needs for the memory a guest touched.
 *
 * @param bitsPerSec the measured rate, NaN when there is none
 * @param problem    why there is no figure (iperf3 missing, no connection, bad output), or {@code null}
 */
public record LoopbackRate(double bitsPerSec, String problem) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_ATTEMPTS = 50;
    private static final long RETRY_MILLIS = 100;

    /** True when there is a figure. */
    public boolean known() {
        return problem == null;
    }

    /** Milliseconds to carry {@code bytes} at this rate; NaN without a figure. */
    public double wireMillis(long bytes) {
        return known() ? bytes * 8 / bitsPerSec * 1000 : Double.NaN;
    }

    /** Runs {@code iperf3} (from the PATH) for {@code seconds}; a rate without figure says why. */
    public static LoopbackRate measure(int seconds) throws InterruptedException {
        return measure("iperf3", seconds);
    }

    static LoopbackRate measure(String iperf3, int seconds) throws InterruptedException {
        int port;
        Process server;
        try {
            port = freePort();
            server = new ProcessBuilder(iperf3, "-s", "-1", "-B", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return new LoopbackRate(Double.NaN, iperf3 + " is not installed (" + e.getMessage()
                    + "); Debian package iperf3");
        }
        try {
            String last = "no attempt";
            for (int attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
                if (!server.isAlive()) {
                    return new LoopbackRate(Double.NaN, "the iperf3 server exited with status " + server.exitValue());
                }
                JsonNode report = runClient(iperf3, port, seconds);
                String error = report.path("error").asText("");
                if (error.isEmpty()) {
                    return fromReport(report);
                }
                last = error;
                if (!error.contains("Connection refused")) {
                    break;
                }
                Thread.sleep(RETRY_MILLIS);
            }
            return new LoopbackRate(Double.NaN, "iperf3: " + last);
        } catch (IOException e) {
            return new LoopbackRate(Double.NaN, "iperf3: " + e.getMessage());
        } finally {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** The rate in an iperf3 client's JSON report. */
    static LoopbackRate fromReport(JsonNode report) {
        JsonNode bps = report.path("end").path("sum_received").path("bits_per_second");
        if (!bps.isNumber() || bps.asDouble() <= 0) {
            return new LoopbackRate(Double.NaN, "iperf3 reported no received rate");
        }
        return new LoopbackRate(bps.asDouble(), null);
    }

    private static JsonNode runClient(String iperf3, int port, int seconds) throws IOException, InterruptedException {
        Process client = new ProcessBuilder(List.of(iperf3, "-c", "127.0.0.1", "-p", Integer.toString(port), "-t",
                Integer.toString(seconds), "-J")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream out = client.getInputStream()) {
                return out.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            if (!client.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                throw new IOException("the iperf3 client did not finish in " + (seconds + 30) + " s");
            }
            byte[] text = output.get(10, TimeUnit.SECONDS);
            return JSON.readTree(new String(text, StandardCharsets.UTF_8));
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("no output from the iperf3 client", e);
        } finally {
            client.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
