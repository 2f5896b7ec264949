package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.api.Json;
import dev.ferry.host.auth.ApiToken;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ferry host} daemon running as a child JVM (the same java binary as the test), for tests that kill
 * hosts for real. Learns the bound addresses from the host's start-up line, keeps its log, and talks to its
 * control API with short timeouts. {@link #close()} kills the process if it is still alive.
 */
final class HostProcess implements AutoCloseable {

    private static final Pattern STARTED = Pattern.compile("control API https?://(\\S+), migration endpoint (\\S+),");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path tokenFile;
    private final ApiToken token;
    private final List<String> log = new ArrayList<>();
    private final CompletableFuture<Matcher> started = new CompletableFuture<>();
    private String control;
    private String migrationEndpoint;

    private HostProcess(String name, Process process, Path tokenFile) throws IOException {
        this.name = name;
        this.process = process;
        this.tokenFile = tokenFile;
        this.token = ApiToken.loadOrCreate(tokenFile);
        Thread reader = new Thread(this::readLog, "host-log-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts host {@code name} on loopback (ports picked by the OS, unless {@code options} say {@code --listen})
     * with the secret in {@code secretFile}, the API token in the file {@code token} beside it (created if need be,
     * so the hosts of one test share it) and further {@code options} of {@code ferry host}.
     */
    static HostProcess start(String name, Path secretFile, String... options) {
        Path tokenFile = secretFile.resolveSibling("token");
        String home = System.getProperty("ferry.home", ".");
        String javaBin = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx512m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "-Dferry.home=" + home, "dev.ferry.cli.Main", "host", "--name", name,
                "--secret-file", secretFile.toString(), "--token-file", tokenFile.toString()));
        command.addAll(List.of(options));
        if (!command.contains("--listen")) {
            command.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        HostProcess host;
        try {
            ApiToken.loadOrCreate(tokenFile);
            host = new HostProcess(name, pb.start(), tokenFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Matcher m = host.started.get(20, TimeUnit.SECONDS);
            host.control = m.group(1);
            host.migrationEndpoint = m.group(2);
            return host;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            host.close();
            throw new IllegalStateException("host " + name + " did not start: " + host.log(), e);
        }
    }

    /** Writes a fresh random secret file (64 hex digits, mode 0600, as hosts create them). */
    static Path secretFile(Path dir, String fileName) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path file = Files.createFile(dir.resolve(fileName),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, HexFormat.of().formatHex(secret) + "\n");
    }

    /** The API token file the host was started with. */
    Path tokenFile() {
        return tokenFile;
    }

    /** The process id of the host. */
    long pid() {
        return process.pid();
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (log) {
                    log.add(line);
                }
                Matcher m = STARTED.matcher(line);
                if (m.find()) {
                    started.complete(m);
                }
            }
        } catch (IOException e) {
            // the process is gone; its log ends here
        }
        started.completeExceptionally(new IllegalStateException("host " + name + " exited"));
    }

    /** The control API address, {@code HOST:PORT}. */
    String control() {
        return control;
    }

    /** The migration endpoint, {@code HOST:PORT}. */
    String migrationEndpoint() {
        return migrationEndpoint;
    }

    /** Everything the host logged so far. */
    String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("host " + name + " survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** An answer of the control API. */
    record Answer(int status, JsonNode body) {
    }

    /** GET {@code path}; the answer must come within {@code timeout}. */
    Answer get(String path, Duration timeout) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(timeout).header("Authorization", token.authorization())
                .GET().build());
    }

    /** GET {@code path}, which must answer 200. */
    JsonNode get(String path) throws IOException, InterruptedException {
        return ok(get(path, Duration.ofSeconds(10)), "GET " + path);
    }

    /** POST a JSON body to {@code path}. */
    Answer post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Authorization", token.authorization())
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private URI uri(String path) {
        return URI.create("http://" + control + path);
    }

    private static Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), Json.mapper().readTree(r.body().isEmpty() ? "{}" : r.body()));
    }

    private JsonNode ok(Answer a, String what) {
        if (a.status() / 100 != 2) {
            throw new IllegalStateException(what + " on host " + name + " answered " + a.status() + ": " + a.body());
        }
        return a.body();
    }

    /** POST {@code json} to {@code path}, which must succeed. */
    JsonNode postOk(String path, String json) throws IOException, InterruptedException {
        return ok(post(path, json), "POST " + path);
    }

    /** Polls {@code probe} every 20 ms until it answers non-null; fails after {@code timeout}. */
    static <T> T await(Duration timeout, String what, Supplier<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** {@link #get(String)} for use in probes. */
    JsonNode poll(String path) {
        try {
            return get(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code ferry run --image munch --mem MEM --deterministic --max-instructions LIMIT --state-hash ARGS} in this
     * JVM: the state hash of the VM that never migrated. Runs with an empty stdin (the console reader must not
     * take surefire's commands).
     */
    static synchronized String referenceHash(String mem, long limit, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        InputStream realIn = System.in;
        List<String> cmd = new ArrayList<>(List.of("run", "--image", "munch", "--mem", mem, "--deterministic",
                "--max-instructions", Long.toString(limit), "--state-hash"));
        cmd.addAll(List.of(args));
        int status;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(new byte[0]));
        try {
            status = Main.commandLine().execute(cmd.toArray(String[]::new));
        } finally {
            System.setOut(realOut);
            System.setIn(realIn);
        }
        Matcher m = Pattern.compile("state-hash: ([0-9a-f]{64}) instructions: " + limit)
                .matcher(out.toString(StandardCharsets.UTF_8));
        if (status != 0 || !m.find()) {
            throw new IllegalStateException("ferry run failed (" + status + ")");
        }
        return m.group(1);
    }
}
