package dev.ferry.bench.evacuate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.host.auth.ApiToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ferry host} daemon in its own JVM, started exactly as a user starts one (the {@code ferry} command's class
 * path under {@code ferry.home}), and driven through its HTTP control API with the token of its token file. Its log
 * goes to a temporary file.
 */
public final class HostDaemon implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STARTED = Pattern.compile("control API http://(\\S+), migration endpoint");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration CALL = Duration.ofSeconds(60);

    private final String name;
    private final Process process;
    private final Path log;
    private final String control;
    private final String authorization;

    private HostDaemon(String name, Process process, Path log, String control, String authorization) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.control = control;
        this.authorization = authorization;
    }

    /**
     * Starts {@code ferry host --name NAME --listen 127.0.0.1:0 --secret-file SECRET --token-file TOKEN OPTIONS...};
     * the token file is created (mode 0600) when it does not exist, and its directory must be private to the user.
     */
    public static HostDaemon start(String name, Path secret, Path token, List<String> options)
            throws IOException, InterruptedException {
        String authorization = ApiToken.loadOrCreate(token).authorization();
        List<String> cmd = ferryCommand(List.of("host", "--name", name, "--listen", "127.0.0.1:0", "--secret-file",
                secret.toString(), "--token-file", token.toString()));
        cmd.addAll(options);
        Path log = Files.createTempFile("ferry-bench-host-" + name + "-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> control = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("bench-host-log-" + name).start(() -> copyLog(p, log, control));
        try {
            return new HostDaemon(name, p, log, control.get(60, TimeUnit.SECONDS), authorization);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("host " + name + " did not start (log: " + log + ")", e);
        }
    }

    /**
     * The command line that runs {@code ferry ARGS...} as a user runs it: this JVM's java binary with the
     * {@code ferry} command's class path under {@code ferry.home}.
     */
    public static List<String> ferryCommand(List<String> args) throws IOException {
        Path home = Path.of(System.getProperty("ferry.home", "."));
        Path classes = home.resolve("ferry-cli/target/classes");
        if (!Files.isDirectory(classes)) {
            throw new IOException("no build of the ferry command under " + home + " (run ./ferry once to build it)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--sun-misc-unsafe-memory-access")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-Dferry.home=" + home, "-cp", classes + java.io.File.pathSeparator
                + home.resolve("ferry-cli/target/lib/*"), "dev.ferry.cli.Main"));
        cmd.addAll(args);
        return cmd;
    }

    private static void copyLog(Process p, Path log, CompletableFuture<String> control) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                out.write(line);
                out.newLine();
                out.flush();
                Matcher m = STARTED.matcher(line);
                if (m.find()) {
                    control.complete(m.group(1));
                }
            }
        } catch (IOException e) {
            control.completeExceptionally(e);
        }
        control.completeExceptionally(new IOException("the host exited"));
    }

    /** The control API address. */
    public String control() {
        return control;
    }

    /** The host's process id. */
    public long pid() {
        return process.pid();
    }

    /** Where its log goes. */
    public Path log() {
        return log;
    }

    /** GET {@code path}; a status other than 2xx is an IOException. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(text(path));
    }

    /** GET {@code path} as text (a console); a status other than 2xx is an IOException. */
    public String text(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://" + control + path)).timeout(CALL).GET());
    }

    /** POST {@code body} as JSON to {@code path}; a status other than 2xx is an IOException. */
    public JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return JSON.readTree(send(HttpRequest.newBuilder(URI.create("http://" + control + path)).timeout(CALL)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))));
    }

    private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request.header("Authorization", authorization).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() / 100 != 2) {
            throw new IOException("host " + name + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Stops the host (SIGTERM, then SIGKILL); keeps its log only if it did not exit cleanly. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            if (!process.isAlive()) {
                Files.deleteIfExists(log);
            }
        } catch (IOException kept) {
            // the log stays for a look
        }
    }
}
