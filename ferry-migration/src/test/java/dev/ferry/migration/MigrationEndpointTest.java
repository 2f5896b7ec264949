package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.endpoint.Rejection;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameCodec;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.PayloadWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7, defects 1 and 2: the migration endpoint under attack. Unauthenticated peers cost neither memory nor
 * platform threads, are held for a short deadline at most, are capped in number, and every one turned away leaves
 * a (rate-limited) log line and a count by reason.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MigrationEndpointTest {

    /** Limits high enough that only what a test looks at can refuse a connection. */
    private static ReceiverLimits generous(long handshakeMillis) {
        return new ReceiverLimits(5000, 5000, handshakeMillis, 2);
    }

    private static int platformThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static long residentBytes() throws IOException {
        Matcher m = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc/self/status")));
        return m.find() ? Long.parseLong(m.group(1)) << 10 : 0;
    }

    private static void await(String what, long seconds, BooleanSupplier done) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(until);
            Thread.sleep(5);
        }
    }

    /** Waits until the receiver logged a line that matches {@code regex}. */
    private static void awaitLine(Harness.Host h, String regex) throws InterruptedException {
        await("a log line matching " + regex, 10, () -> h.log.stream().anyMatch(l -> l.matches(regex)));
    }

    private static long rejections(Harness.Host h, Rejection r) {
        return h.receiver.guard().rejections().get(r);
    }

    /** A frame header announcing {@code length} payload bytes, and nothing after it. */
    private static byte[] header(int length) {
        return ByteBuffer.allocate(FrameCodec.HEADER).put((byte) 0x46).put((byte) 0x4d)
                .put((byte) FrameType.HELLO.code()).put((byte) 0).putInt(length).putInt(0).array();
    }

    private static Socket connect(Harness.Host h, String from) throws IOException {
        Socket s = new Socket(h.endpoint().getAddress(), h.endpoint().getPort(), InetAddress.getByName(from), 0);
        s.setSoTimeout(15_000);
        return s;
    }

    /** Reads until the endpoint closes the connection; returns the reason of its ERROR frame, or null. */
    private static String readRefusal(Socket s) throws IOException {
        byte[] all;
        try (InputStream in = s.getInputStream()) {
            all = in.readAllBytes();
        }
        return all.length == 0 ? null : Messages.error(FrameCodec.decode(all));
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Samples the platform thread count every few milliseconds while it runs; {@link #max} is the peak. */
    private static final class ThreadPeak implements AutoCloseable {
        private final AtomicInteger max = new AtomicInteger(platformThreads());
        private volatile boolean done;
        private final Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!done) {
                max.accumulateAndGet(platformThreads(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        int max() {
            return max.get();
        }

        @Override
        public void close() throws InterruptedException {
            done = true;
            sampler.join(5000);
        }
    }

    /**
     * 200 connections each send a 12-byte header claiming 4 MiB (the flood that took a host from 228 MB to 1.09 GB):
     * each is refused at its header without a buffer grown for it or a platform thread of its own, and the log shows
     * ten lines and a summary of the rest.
     */
    @Test
    void aFloodOfHugeFrameClaimsCostsNeitherMemoryNorThreadsAndLeavesATrace() throws Exception {
        try (Harness.Host target = new Harness.Host(generous(5000))) {
            List<Socket> sockets = new ArrayList<>();
            int threads = platformThreads();
            long direct = directBytes();
            long rss = residentBytes();
            long t0 = System.nanoTime();
            try (ThreadPeak peak = new ThreadPeak()) {
                for (int i = 0; i < 200; i++) {
                    Socket s = connect(target, "127.0.0.1");
                    s.getOutputStream().write(header(4 << 20));
                    sockets.add(s);
                }
                await("200 rejections", 30, () -> rejections(target, Rejection.OVERSIZED_FRAME) == 200);
                assertThat(peak.max() - threads).as("platform threads added during the flood").isLessThan(30);
            }
            assertThat(directBytes() - direct).as("direct buffer bytes added").isLessThan(4L << 20);
            assertThat(residentBytes() - rss).as("resident memory added").isLessThan(128L << 20);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + 1;
            closeAll(sockets);

            await("the summary line", 10, () -> target.log.stream().anyMatch(l -> l.contains("suppressed")));
            List<String> lines = target.log.stream().filter(l -> l.contains("oversized frame before "
                    + "authentication")).toList();
            assertThat(lines).hasSizeBetween(1, (int) (seconds + 1) * MigrationReceiver.REJECTION_LINES_PER_SECOND)
                    .allMatch(l -> l.matches("migration endpoint: rejected 127\\.0\\.0\\.1:\\d+: oversized frame "
                            + "before authentication \\(frame length 4194304 exceeds the limit of 1024\\)"));
            long suppressed = target.log.stream().map(Pattern.compile("suppressed (\\d+) similar")::matcher)
                    .filter(Matcher::find).mapToLong(m -> Long.parseLong(m.group(1))).sum();
            assertThat(lines.size() + suppressed).as("every rejection logged or summed up").isEqualTo(200);
        }
    }

    /** 1,000 idle connections hold handshake slots, not 1,000 platform threads. */
    @Test
    void aThousandIdleConnectionsDoNotCostAThousandPlatformThreads() throws Exception {
        try (Harness.Host target = new Harness.Host(generous(60_000))) {
            List<Socket> sockets = new ArrayList<>();
            int threads = platformThreads();
            try (ThreadPeak peak = new ThreadPeak()) {
                for (int i = 0; i < 1000; i++) {
                    sockets.add(connect(target, "127.0.0." + (1 + i % 4)));
                }
                await("1,000 handshakes under way", 30, () -> target.receiver.guard().handshakes() == 1000);
                assertThat(peak.max() - threads).as("platform threads added for 1,000 idle connections")
                        .isLessThan(50);
            }
            closeAll(sockets);
            await("every handshake slot freed", 30, () -> target.receiver.guard().handshakes() == 0);
            await("1,000 hangups counted", 10, () -> rejections(target, Rejection.HANGUP) == 1000);
        }
    }

    /**
     * A source that sends HELLO and then nothing is dropped at the handshake deadline, and the log says so (a
     * version-2 HELLO, whose layout and CHALLENGE are fixed).
     */
    @Test
    void aStalledHandshakeIsDroppedAtTheDeadlineAndLogged() throws Exception {
        try (Harness.Host target = new Harness.Host(generous(1000)); Socket s = connect(target, "127.0.0.1")) {
            byte[] nonce = new byte[32];
            s.getOutputStream().write(FrameCodec.encode(new PayloadWriter().raw("FERRYMIG".getBytes(
                    StandardCharsets.US_ASCII)).u16(2).u8(0).str("m1").u16(0).raw(nonce)
                    .frame(FrameType.HELLO)));
            long t0 = System.nanoTime();
            InputStream in = s.getInputStream();
            byte[] challenge = new byte[FrameCodec.HEADER + 2 + 32 + 32];
            assertThat(in.readNBytes(challenge, 0, challenge.length)).isEqualTo(challenge.length);
            assertThat(in.read()).as("closed by the endpoint").isEqualTo(-1);
            double waitedMs = (System.nanoTime() - t0) / 1e6;
            assertThat(waitedMs).isBetween(900.0, 3000.0);
            String port = Integer.toString(s.getLocalPort());
            await("the log line", 5, () -> target.log.contains("migration endpoint: rejected 127.0.0.1:" + port
                    + ": handshake not completed in time (no AUTH within 1000 ms)"));
            await("the count", 5, () -> rejections(target, Rejection.TIMEOUT) == 1);
        }
    }

    /**
     * With room for 6 unauthenticated connections, 3 per address: the fourth from one address and the seventh in
     * all are refused at once with a reason and a log line; once the slots are free a migration goes through.
     */
    @Test
    void connectionsOverTheCapsAreRefusedAndLogged() throws Exception {
        try (Harness.Host target = new Harness.Host(new ReceiverLimits(6, 3, 30_000, 2))) {
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                idle.add(connect(target, "127.0.0.1"));
            }
            await("3 handshakes", 10, () -> target.receiver.guard().handshakes() == 3);
            try (Socket s = connect(target, "127.0.0.1")) {
                assertThat(readRefusal(s)).isEqualTo("too many unauthenticated connections from this address "
                        + "(limit 3)");
            }
            for (int i = 0; i < 3; i++) {
                idle.add(connect(target, "127.0.0.2"));
            }
            await("6 handshakes", 10, () -> target.receiver.guard().handshakes() == 6);
            try (Socket s = connect(target, "127.0.0.3")) {
                assertThat(readRefusal(s)).isEqualTo("too many unauthenticated connections (limit 6)");
            }
            await("both counted", 10, () -> rejections(target, Rejection.OVER_CAP_ADDRESS) == 1
                    && rejections(target, Rejection.OVER_CAP) == 1);
            awaitLine(target, "migration endpoint: rejected 127\\.0\\.0\\.1:\\d+: too many unauthenticated "
                    + "connections from this address");
            awaitLine(target, "migration endpoint: rejected 127\\.0\\.0\\.3:\\d+: too many unauthenticated "
                    + "connections");

            closeAll(idle);
            await("the slots free again", 10, () -> target.receiver.guard().handshakes() == 0);
            VmRunner vm = Harness.IDLE.start("vm");
            MigrationReport r = Harness.migrate("after", vm, Harness.IDLE, target.endpoint(),
                    MigrationOptions.defaults(Strategy.PRECOPY));
            assertThat(r.success()).as(r.error()).isTrue();
            vm.close();
            target.awaitArrival().close();
        }
    }

    /** Each kind of bad peer is counted under its own reason and logged with it. */
    @Test
    void everyRejectionIsCountedAndLoggedWithItsReason() throws Exception {
        try (Harness.Host target = new Harness.Host(generous(1000))) {
            try (Socket s = connect(target, "127.0.0.1")) {
                byte[] junk = new byte[4096];
                new Random(7).nextBytes(junk);
                junk[0] = 'G';
                s.getOutputStream().write(junk);
                readRefusal(s);
            } catch (IOException reset) {
                // the endpoint closed with junk unread: a reset is fine too
            }
            try (FrameConnection c = FrameConnection.connect(target.endpoint(), new AtomicLong())) {
                Handshake.asSource(c, "wrong".getBytes(StandardCharsets.UTF_8), Handshake.VERSION,
                        new Handshake.Hello(Handshake.Purpose.CONTROL, "m", 0));
            } catch (IOException expected) {
                assertThat(expected).hasMessageContaining("authentication");
            }
            try (FrameConnection c = FrameConnection.connect(target.endpoint(), new AtomicLong())) {
                Handshake.asSource(c, Harness.SECRET, 1, new Handshake.Hello(Handshake.Purpose.CONTROL, "m", 0));
            } catch (IOException expected) {
                assertThat(expected).hasMessageContaining("version mismatch");
            }
            try (Socket s = connect(target, "127.0.0.1")) {
                s.getOutputStream().write(header(1 << 20));
                readRefusal(s);
            }
            connect(target, "127.0.0.1").close();
            Socket idle = connect(target, "127.0.0.1");

            await("every rejection counted", 10, () -> target.receiver.guard().rejections().values().stream()
                    .mapToLong(Long::longValue).sum() == 6);
            idle.close();
            for (Rejection r : List.of(Rejection.GARBAGE, Rejection.AUTH, Rejection.VERSION, Rejection.OVERSIZED_FRAME,
                    Rejection.HANGUP, Rejection.TIMEOUT)) {
                assertThat(rejections(target, r)).as(r.label()).isEqualTo(1);
                awaitLine(target, "migration endpoint: rejected 127\\.0\\.0\\.1:\\d+: "
                        + Pattern.quote(r.description()) + ".*");
            }
            awaitLine(target, ".*: not a Ferry migration handshake \\(bad frame magic .*");
            awaitLine(target, ".*: protocol version mismatch \\(.*source speaks version 1.*");
        }
    }

    /** A frame of the largest size allowed before authentication is read; the next byte more is refused. */
    @Test
    void theFrameLimitBeforeAuthenticationIsOneKibibyte() throws Exception {
        try (Harness.Host target = new Harness.Host(generous(5000)); Socket s = connect(target, "127.0.0.1")) {
            s.getOutputStream().write(FrameCodec.encode(new Frame(FrameType.HELLO,
                    new byte[FrameConnection.HANDSHAKE_MAX_PAYLOAD])));
            assertThat(readRefusal(s)).as("a full-size HELLO is read and refused as a HELLO").isNull();
            await("the rejection", 10, () -> rejections(target, Rejection.GARBAGE) == 1);
            awaitLine(target, ".*: not a Ferry migration handshake \\(HELLO without the FERRYMIG magic\\)");
        }
    }

    /** The limits refuse nonsense with the option's name. */
    @Test
    void limitsAreChecked() {
        assertThatThrownBy(() -> new ReceiverLimits(10, 20, 5000, 2))
                .hasMessage("--max-handshakes-per-address must be between 1 and --max-handshakes (10)");
        assertThatThrownBy(() -> new ReceiverLimits(10, 2, 10, 2))
                .hasMessage("--handshake-timeout must be between 100 ms and 10 minutes");
        assertThatThrownBy(() -> new ReceiverLimits(10, 2, 5000, 0))
                .hasMessage("--max-incoming must be between 1 and 10000");
    }
}
