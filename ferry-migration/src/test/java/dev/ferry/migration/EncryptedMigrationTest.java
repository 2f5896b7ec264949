package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.VmRunner;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Handshake;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Migrations with encryption on: a VM reaches the unmigrated state with every frame after the handshakes sealed;
 * an attacker on the path who changes, replays, drops or reorders a sealed frame, or who does not know the secret,
 * makes the migration fail with a clear reason while the VM keeps running on the source, unharmed; hosts of
 * protocol version 2 are refused when encryption is required.
 */
class EncryptedMigrationTest {

    private static final Harness.Guest G = Harness.MUNCH;
    private static final EncryptionPolicy ALWAYS = EncryptionPolicy.of(EncryptionMode.ALWAYS);

    private static Arguments c(String name, Strategy s, Consumer<Options> change) {
        Options o = Options.of(s);
        change.accept(o);
        return Arguments.of(name, o.build());
    }

    static Stream<Arguments> strategies() {
        return Stream.of(
                c("stop-and-copy", Strategy.STOPCOPY, o -> { }),
                c("pre-copy 4 rounds, 3 streams, xbzrle + lz4", Strategy.PRECOPY, o -> {
                    o.maxDowntime = 0;
                    o.maxRounds = 4;
                    o.streams = 3;
                    o.xbzrle = true;
                    o.lz4 = true;
                }),
                c("post-copy", Strategy.POSTCOPY, o -> { }),
                c("hybrid k=1", Strategy.HYBRID, o -> o.precopyRounds = 1));
    }

    private static MigrationSource source(String id, VmRunner vm, InetSocketAddress to, byte[] secret,
            MigrationOptions o, int version) {
        return new MigrationSource(id, vm, G.descriptor("vm"), to, secret, o, version).encryption(ALWAYS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void encryptedMigrationMatchesUnmigrated(String name, MigrationOptions o) throws Exception {
        try (Harness.Host target = new Harness.Host();
                FrameTap tap = new FrameTap(target.endpoint(), FrameTap.passThrough())) {
            VmRunner vm = G.start("vm");
            MigrationReport report = source("e1", vm, tap.endpoint(), Harness.SECRET, o, Handshake.VERSION).start()
                    .get(120, TimeUnit.SECONDS);
            System.out.printf("encrypted %-45s %s in %.1f ms, downtime %.1f ms, %,d bytes, %d sealed frames%n", name,
                    report.success() ? "ok" : report.error(), report.totalTimeMs(), report.downtimeMs(),
                    report.bytesOnWire(), tap.encrypted());
            assertThat(report.success()).as("migration succeeded: %s (target: %s)", report.error(), target.abandoned)
                    .isTrue();
            assertThat(tap.plainAfterHandshake()).as("plain frames after a handshake").isZero();
            assertThat(tap.encrypted()).as("sealed frames").isGreaterThan(10);
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(G.reference());
        }
    }

    @Test
    void aTargetThatRequiresEncryptionGetsIt() throws Exception {
        try (Harness.Host target = new Harness.Host();
                FrameTap tap = new FrameTap(target.endpoint(), FrameTap.passThrough())) {
            target.receiver.encryption(ALWAYS);
            VmRunner vm = G.start("vm");
            MigrationReport report = new MigrationSource("e2", vm, G.descriptor("vm"), tap.endpoint(), Harness.SECRET,
                    threeRounds()).start().get(120, TimeUnit.SECONDS);
            assertThat(report.success()).as(report.error()).isTrue();
            assertThat(tap.plainAfterHandshake()).isZero();
            assertThat(tap.encrypted()).isGreaterThan(10);
            vm.close();
            assertThat(Harness.hashAtLimit(target.awaitArrival())).isEqualTo(G.reference());
        }
    }

    /** Pre-copy that stops after three rounds whatever it measures. */
    private static MigrationOptions threeRounds() {
        Options o = Options.of(Strategy.PRECOPY);
        o.maxDowntime = 0;
        o.maxRounds = 3;
        return o.build();
    }

    // ---------------------------------------------------------------- an attacker on the path

    /** Rewrites the {@code nth} frame of {@code type} on every connection of {@code purpose}. */
    private static Supplier<FrameTap.Rewriter> at(int purpose, FrameType type, int nth,
            java.util.function.BiFunction<byte[], byte[], List<byte[]>> change) {
        return () -> new FrameTap.Rewriter() {
            private int seen;
            private byte[] held;

            @Override
            public List<byte[]> forward(int p, byte[] frame) {
                if (held != null) {
                    byte[] h = held;
                    held = null;
                    return change.apply(h, frame);
                }
                if (p != purpose || frame[2] != type.code() || ++seen != nth) {
                    return List.of(frame);
                }
                List<byte[]> out = change.apply(frame, null);
                if (out == null) {
                    held = frame;
                    return List.of();
                }
                return out;
            }
        };
    }

    private static Supplier<FrameTap.Rewriter> flip(int purpose, FrameType type,
            java.util.function.ToIntFunction<byte[]> at) {
        return at(purpose, type, 3, (f, next) -> {
            byte[] g = f.clone();
            g[at.applyAsInt(g)] ^= 0x10;
            return List.of(g);
        });
    }

    static Stream<Arguments> attacks() {
        return Stream.of(
                Arguments.of("bit of a page batch's payload", flip(1, FrameType.PAGES, f -> 12 + 100),
                        "frame failed authentication"),
                Arguments.of("bit of a page batch's type", flip(1, FrameType.PAGES, f -> 2),
                        "frame failed authentication"),
                Arguments.of("bit of a page batch's tag", flip(1, FrameType.PAGES, f -> f.length - 1),
                        "frame failed authentication"),
                Arguments.of("bit of the device state", at(0, FrameType.DEVICE_STATE, 1, (f, next) -> {
                    byte[] g = f.clone();
                    g[20] ^= 0x01;
                    return List.of(g);
                }), "frame failed authentication"),
                Arguments.of("page batch replayed", at(1, FrameType.PAGES, 3, (f, next) -> List.of(f, f)),
                        "frame out of sequence"),
                Arguments.of("page batch dropped", at(1, FrameType.PAGES, 3, (f, next) -> List.of()),
                        "frame out of sequence"),
                Arguments.of("page batches reordered", at(1, FrameType.PAGES, 3,
                        (f, next) -> next == null ? null : List.of(next, f)), "frame out of sequence"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void alteredTrafficFailsTheMigrationAndTheVmStaysOnTheSource(String name, Supplier<FrameTap.Rewriter> attack,
            String reason) throws Exception {
        Failed f = failing(Harness.SECRET, Handshake.VERSION, attack, threeRounds(), true);
        System.out.println(name + ": " + f.report().error() + " / target: " + f.targetReasons());
        assertThat(f.targetReasons()).as("the target's reason").singleElement().asString().contains(reason);
    }

    @Test
    void aPeerWithoutTheSecretCannotComplete() throws Exception {
        Failed f = failing("not the secret".getBytes(StandardCharsets.UTF_8), Handshake.VERSION,
                FrameTap.passThrough(), MigrationOptions.defaults(Strategy.PRECOPY), false);
        assertThat(f.report().error()).contains("target failed authentication");
        assertThat(f.targetReasons()).as("nothing began on the target").isEmpty();
    }

    @Test
    void aVersion2SourceIsRefusedByATargetThatRequiresEncryption() throws Exception {
        try (Harness.Host target = new Harness.Host()) {
            target.receiver.encryption(ALWAYS);
            VmRunner vm = G.start("vm");
            MigrationReport r = new MigrationSource("v2", vm, G.descriptor("vm"), target.endpoint(), Harness.SECRET,
                    MigrationOptions.defaults(Strategy.PRECOPY), 2).start().get(60, TimeUnit.SECONDS);
            assertThat(r.success()).isFalse();
            assertThat(r.error()).isEqualTo("target refused the connection: encryption required by the target, but "
                    + "the source speaks protocol version 2, which cannot encrypt");
            assertThat(vm.state()).isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);
            assertThat(target.abandoned).isEmpty();
            vm.close();
        }
    }

    @Test
    void aSourceThatRequiresEncryptionRefusesAVersion2Target() throws Exception {
        try (Harness.Host target = new Harness.Host(2)) {
            VmRunner vm = G.start("vm");
            MigrationReport r = source("v2t", vm, target.endpoint(), Harness.SECRET,
                    MigrationOptions.defaults(Strategy.PRECOPY), Handshake.VERSION).start().get(60, TimeUnit.SECONDS);
            assertThat(r.success()).isFalse();
            assertThat(r.error()).isEqualTo("encryption required by the source, but the target speaks protocol "
                    + "version 2, which cannot encrypt");
            assertThat(vm.state()).isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);
            vm.close();
        }
    }

    /**
     * A failed migration: the source's report, and why the target gave up (if it had begun). The source names the
     * target's reason only when the target's ERROR arrives before the source notices its closed connections, which
     * is timing; the target's own reason is certain.
     */
    private record Failed(MigrationReport report, List<String> targetReasons) { }

    /** Migrates through a tap running {@code attack}; checks that it failed and the VM is unharmed on the source. */
    private static Failed failing(byte[] secret, int version, Supplier<FrameTap.Rewriter> attack,
            MigrationOptions o, boolean targetBegins) throws Exception {
        try (Harness.Host target = new Harness.Host(); FrameTap tap = new FrameTap(target.endpoint(), attack)) {
            VmRunner vm = G.start("vm");
            MigrationSource source = source("a1", vm, tap.endpoint(), secret, o, version);
            MigrationReport report = source.start().get(60, TimeUnit.SECONDS);
            assertThat(report.success()).isFalse();
            assertThat(source.status().phase()).isEqualTo(MigrationPhase.FAILED);
            assertThat(vm.state()).as("VM runs on the source").isIn(VmRunner.RunState.RUNNING,
                    VmRunner.RunState.LIMIT_REACHED);
            assertThat(Harness.hashAtLimit(vm)).as("source VM unharmed").isEqualTo(G.reference());
            vm.close();
            assertThat(target.arrived).as("nothing arrived on the target").isEmpty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (targetBegins && target.abandoned.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return new Failed(report, List.copyOf(target.abandoned));
        }
    }
}
