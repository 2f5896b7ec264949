package dev.ferry.machine.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client checks of the web image ({@code ferry.run=web}): {@code /big} over HTTP with the checksum of
 * {@code ferry-bytes}' rule, a line through the echo service, and keys set and read back through the key-value
 * server. Tests call the checks in their own JVM; to check from inside a network namespace they run this class as a
 * program there ({@code ip netns exec NS java -cp ... WebChecks HOST}), which exits with 0 when all checks pass.
 */
public final class WebChecks {

    /** Size of {@code /big}: 512 KiB, the object of Clark et al.'s web-server test. */
    public static final int BIG = 512 << 10;
    /** The services' ports in the guest. */
    public static final int HTTP = 80;
    public static final int ECHO = 7;
    public static final int KV = 11211;
    /** How long one client operation may take (Ferry on a loaded machine is slow). */
    private static final int TIMEOUT_MS = 120_000;

    private WebChecks() {
    }

    /** The first {@code n} bytes of {@code ferry-bytes}: xorshift64 (13, 7, 17) from 0x9e3779b97f4a7c15, little-endian. */
    public static byte[] ferryBytes(int n) {
        byte[] b = new byte[n];
        long x = 0x9e3779b97f4a7c15L;
        for (int i = 0; i < n; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int k = 0; k < 8 && i + k < n; k++) {
                b[i + k] = (byte) (x >>> (8 * k));
            }
        }
        return b;
    }

    /** Hex SHA-256 of {@code data}. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole line the guest prints when its services listen, given its address ({@code 10.0.2.15/24}). */
    public static String readyLine(String address) {
        return "ferry-web ready address " + address + " http " + HTTP + " echo " + ECHO + " kv " + KV + " big " + BIG
                + " sha256 " + sha256(ferryBytes(BIG)) + "\n";
    }

    /** GET {@code /}, {@code /big} and {@code /big.sha256}: the object has the rule's bytes and the page its sum. */
    public static void checkHttp(String host, int port) throws IOException, InterruptedException {
        String expected = sha256(ferryBytes(BIG));
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(TIMEOUT_MS)).build()) {
            byte[] big = get(http, host, port, "/big").body();
            check(big.length == BIG, "/big has " + big.length + " bytes, not " + BIG);
            check(sha256(big).equals(expected), "/big's sha256 " + sha256(big) + " is not " + expected);
            String sum = new String(get(http, host, port, "/big.sha256").body(), StandardCharsets.US_ASCII);
            check(sum.equals(expected + "  big\n"), "/big.sha256 says '" + sum + "'");
            String index = new String(get(http, host, port, "/").body(), StandardCharsets.UTF_8);
            check(index.contains("Ferry web image") && index.contains(expected), "index page: " + index);
        }
    }

    private static HttpResponse<byte[]> get(HttpClient http, String host, int port, String path)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofMillis(TIMEOUT_MS)).build();
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        check(r.statusCode() == 200, "GET " + path + ": status " + r.statusCode());
        return r;
    }

    /** Two connections in a row to the echo service: each gets its own line back. */
    public static void checkEcho(String host, int port) throws IOException {
        for (int i = 0; i < 2; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
                s.setSoTimeout(TIMEOUT_MS);
                String line = "ferry echo " + i + " " + System.nanoTime();
                OutputStream out = s.getOutputStream();
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String back = in.readLine();
                check(line.equals(back), "echo sent '" + line + "', got '" + back + "'");
            }
        }
    }

    /**
     * Sets {@code count} keys with values of 1 to 300 bytes, reads them all back with {@code get}s of 100 keys,
     * then deletes one and finds it gone.
     */
    public static void checkKeys(String host, int port, int count) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = "key-" + i;
            entries.put(key, ("v" + i + "-" + "x".repeat(i % 300)).substring(0, 1 + i % 300)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        try (KvClient kv = new KvClient(host, port, TIMEOUT_MS)) {
            List<String> replies = kv.setAll(entries);
            check(replies.stream().allMatch("STORED"::equals), "set replies: " + replies.stream().distinct().toList());
            List<String> keys = new ArrayList<>(entries.keySet());
            for (int from = 0; from < keys.size(); from += 100) {
                List<String> batch = keys.subList(from, Math.min(keys.size(), from + 100));
                Map<String, byte[]> got = kv.get(batch);
                check(got.size() == batch.size(), "get of " + batch.size() + " keys returned " + got.size());
                for (String k : batch) {
                    check(Arrays.equals(got.get(k), entries.get(k)), "value of " + k);
                }
            }
            check(kv.command("delete key-0").equals("DELETED"), "delete key-0");
            check(kv.get(List.of("key-0")).isEmpty(), "key-0 after delete");
        }
    }

    /** The server's replies to storage conditions, cas, misses and malformed commands, as memcached gives them. */
    public static void checkKvReplies(String host, int port) throws IOException {
        byte[] one = {'x'};
        try (KvClient kv = new KvClient(host, port, TIMEOUT_MS)) {
            String key = "replies-" + System.nanoTime();
            expect(kv.store("add " + key + " 7 0 1", one), "STORED");
            expect(kv.store("add " + key + " 7 0 1", one), "NOT_STORED");
            expect(kv.store("replace " + key + "-absent 0 0 1", one), "NOT_STORED");
            expect(kv.store("append " + key + " 0 0 2", new byte[] {'y', 'z'}), "STORED");
            check(Arrays.equals(kv.get(List.of(key)).get(key), new byte[] {'x', 'y', 'z'}), "appended value");
            expect(kv.command("get " + key + "-absent"), "END");
            expect(kv.store("cas " + key + " 0 0 1 0", one), "EXISTS");
            expect(kv.store("cas " + key + "-absent 0 0 1 1", one), "NOT_FOUND");
            expect(kv.command("delete " + key + "-absent"), "NOT_FOUND");
            expect(kv.command("incr " + key + " 1"), "CLIENT_ERROR cannot increment or decrement non-numeric value");
            expect(kv.command("bogus"), "ERROR");
            expect(kv.command("set " + key + " 0 0 notanumber"), "CLIENT_ERROR bad command line format");
            expect(kv.store("set " + key + " 0 0 " + (2 << 20), new byte[2 << 20]),
                    "SERVER_ERROR object too large for cache");
            expect(kv.command("version"), "VERSION ");
        }
    }

    /** The reply must begin with {@code prefix} (the rest of a line, such as a cas value, may vary). */
    private static void expect(String reply, String prefix) {
        check(reply.startsWith(prefix), "expected '" + prefix + "', got '" + reply + "'");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** Runs the checks against HOST's standard ports; exit status 0 when they pass. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: WebChecks HOST");
            System.exit(2);
        }
        try {
            checkHttp(args[0], HTTP);
            checkEcho(args[0], ECHO);
            checkKeys(args[0], KV, 1000);
            checkKvReplies(args[0], KV);
            System.out.println("web checks passed");
        } catch (AssertionError | IOException e) {
            System.out.println("web checks failed: " + e);
            System.exit(1);
        }
    }
}
