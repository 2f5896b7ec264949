package dev.ferry.migration.wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens every connection: version negotiation and mutual HMAC-SHA256 challenge-response over the shared secret.
 *
 * <pre>
 * source -> HELLO     "FERRYMIG", version, purpose, migration id, stream, nonceS (32 random bytes)
 * target -> CHALLENGE version, nonceT, HMAC(secret, "ferry-target" | nonceS | nonceT | id | purpose | stream)
 * source -> AUTH      HMAC(secret, "ferry-source" | nonceT | nonceS | id | purpose | stream)
 * target -> AUTH_OK
 * </pre>
 *
 * The source offers the newest version it speaks; the target answers with the version the connection will
 * speak: the older of the two, as long as both speak it ({@link #MIN_VERSION} .. {@link #VERSION} here). A target
 * of version 2 instead refuses any other version with an ERROR naming its own, and the source then connects again
 * offering that version ({@link #connectAsSource}). Each side proves knowledge of the secret over a nonce the
 * other chose, so neither proof can be replayed, and the secret itself never crosses the wire. A version neither
 * side speaks or a failed proof is answered with an ERROR frame naming the reason, and the connection is closed.
 */
public final class Handshake {

    /** The newest protocol version this build speaks. */
    public static final int VERSION = 3;
    /** The oldest protocol version this build still speaks, with hosts of the previous release. */
    public static final int MIN_VERSION = 2;
    /** Targets of this version and newer answer a newer source with their own version instead of refusing it. */
    private static final int NEGOTIATING_VERSION = 3;
    private static final byte[] MAGIC = "FERRYMIG".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How a version-2 target names its version when it refuses another one. */
    private static final Pattern TARGET_VERSION = Pattern.compile("target speaks version (\\d{1,5})$");

    /** Why a connection is opened; {@link #code()} is the byte on the wire. */
    public enum Purpose {
        /** The control connection of a new migration. */
        CONTROL(0),
        /** A page stream of a migration begun on a control connection. */
        PAGES(1),
        /** A new control connection for a post-copy migration whose connection was lost. */
        RECOVER(2);

        private static final Purpose[] BY_CODE = WireCodes.table(values(), Purpose::code);

        private final int code;

        Purpose(int code) {
            this.code = code;
        }

        /** The code on the wire. */
        public int code() {
            return code;
        }

        /** The purpose with this code, or {@code null}. */
        public static Purpose ofCode(int code) {
            return WireCodes.lookup(BY_CODE, code);
        }
    }

    /**
     * What a HELLO announces.
     *
     * @param purpose     why the connection was opened
     * @param migrationId the migration it belongs to
     * @param stream      page stream number (PAGES), else 0
     */
    public record Hello(Purpose purpose, String migrationId, int stream) { }

    /**
     * An authenticated connection as the target sees it.
     *
     * @param hello   what the source announced
     * @param version the protocol version both sides speak on this connection
     */
    public record Accepted(Hello hello, int version) { }

    /**
     * An authenticated connection as the source sees it.
     *
     * @param connection the connection, ready for the first frame after AUTH_OK
     * @param version    the protocol version both sides speak on it
     */
    public record Opened(FrameConnection connection, int version) { }

    /** A target refused the version offered and named the one it speaks. */
    static final class VersionRefused extends ProtocolException {
        private static final long serialVersionUID = 1L;
        private final int targetVersion;

        VersionRefused(String message, int targetVersion) {
            super(message);
            this.targetVersion = targetVersion;
        }
    }

    private Handshake() {
    }

    /**
     * Connects to {@code target} and runs the source side, offering {@code version}. When the target refuses it
     * and names an older version this build speaks (as version-2 targets do), connects once more offering that.
     * The connection is closed when this fails.
     */
    public static Opened connectAsSource(InetSocketAddress target, AtomicLong wireBytes, byte[] secret, int version,
            Hello hello) throws IOException {
        try {
            return open(target, wireBytes, secret, version, hello);
        } catch (VersionRefused e) {
            if (e.targetVersion < MIN_VERSION || e.targetVersion >= version) {
                throw e;
            }
            return open(target, wireBytes, secret, e.targetVersion, hello);
        }
    }

    private static Opened open(InetSocketAddress target, AtomicLong wireBytes, byte[] secret, int version,
            Hello hello) throws IOException {
        FrameConnection c = FrameConnection.connect(target, wireBytes);
        try {
            return new Opened(c, asSource(c, secret, version, hello));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * The source side on a connected socket, offering {@code version}; returns the version the target chose.
     * Throws with a clear reason when the target refuses or fails to prove the secret.
     */
    public static int asSource(FrameConnection c, byte[] secret, int version, Hello hello) throws IOException {
        byte[] nonceS = nonce();
        c.send(new PayloadWriter().raw(MAGIC).u16(version).u8(hello.purpose().code()).str(hello.migrationId())
                .u16(hello.stream()).raw(nonceS).frame(FrameType.HELLO));
        Frame f = c.receive(FrameConnection.REPLY_MILLIS);
        if (f.type() == FrameType.ERROR) {
            String reason = Messages.error(f);
            Matcher m = TARGET_VERSION.matcher(reason);
            String message = "target refused the connection: " + reason;
            if (m.find()) {
                throw new VersionRefused(message, Integer.parseInt(m.group(1)));
            }
            throw new ProtocolException(message);
        }
        if (f.type() != FrameType.CHALLENGE) {
            throw new ProtocolException("expected a CHALLENGE frame, got " + f.type());
        }
        PayloadReader r = f.reader();
        int theirs = r.u16();
        byte[] nonceT = r.raw(NONCE);
        byte[] proofT = r.raw(32);
        r.end();
        if (theirs > version || theirs < MIN_VERSION) {
            String why = "protocol version mismatch: source speaks " + versions(MIN_VERSION, version)
                    + ", target speaks version " + theirs;
            c.sendErrorQuietly(why);
            throw new ProtocolException(why);
        }
        if (!MessageDigest.isEqual(proofT, proof(secret, "ferry-target", nonceS, nonceT, hello))) {
            String why = "target failed authentication (it does not know the shared secret)";
            c.sendErrorQuietly("authentication failed: wrong shared secret");
            throw new ProtocolException(why);
        }
        c.send(new PayloadWriter().raw(proof(secret, "ferry-source", nonceT, nonceS, hello)).frame(FrameType.AUTH));
        c.expect(FrameType.AUTH_OK, FrameConnection.REPLY_MILLIS);
        c.authenticated();
        return theirs;
    }

    /** The target side speaking up to {@link #VERSION}. */
    public static Accepted asTarget(FrameConnection c, byte[] secret) throws IOException {
        return asTarget(c, secret, VERSION);
    }

    /**
     * The target side speaking versions {@link #MIN_VERSION} to {@code maxVersion}: returns the authenticated
     * HELLO and the version chosen, or throws after telling the source why not. With {@code maxVersion} 2 it
     * behaves as version-2 builds do: any other version is refused with an ERROR naming version 2.
     */
    public static Accepted asTarget(FrameConnection c, byte[] secret, int maxVersion) throws IOException {
        Frame f = c.expect(FrameType.HELLO, FrameConnection.REPLY_MILLIS);
        PayloadReader r = f.reader();
        byte[] magic = r.raw(MAGIC.length);
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw new ProtocolException("HELLO without the FERRYMIG magic");
        }
        int offered = r.u16();
        int version = Math.min(offered, maxVersion);
        if (version < MIN_VERSION || (offered > maxVersion && maxVersion < NEGOTIATING_VERSION)) {
            String why = "protocol version mismatch: source speaks version " + offered + ", target speaks "
                    + versions(MIN_VERSION, maxVersion);
            c.sendErrorQuietly(why);
            throw new ProtocolException(why);
        }
        int code = r.u8();
        Purpose purpose = Purpose.ofCode(code);
        if (purpose == null) {
            throw new ProtocolException("HELLO with unknown purpose " + code);
        }
        String id = r.str(256);
        int stream = r.u16();
        byte[] nonceS = r.raw(NONCE);
        r.end();
        Hello hello = new Hello(purpose, id, stream);
        byte[] nonceT = nonce();
        c.send(new PayloadWriter().u16(version).raw(nonceT)
                .raw(proof(secret, "ferry-target", nonceS, nonceT, hello)).frame(FrameType.CHALLENGE));
        Frame auth = c.receive(FrameConnection.REPLY_MILLIS);
        if (auth.type() == FrameType.ERROR) {
            throw new ProtocolException("source gave up the handshake: " + Messages.error(auth));
        }
        if (auth.type() != FrameType.AUTH) {
            throw new ProtocolException("expected an AUTH frame, got " + auth.type());
        }
        PayloadReader ar = auth.reader();
        byte[] proofS = ar.raw(32);
        ar.end();
        if (!MessageDigest.isEqual(proofS, proof(secret, "ferry-source", nonceT, nonceS, hello))) {
            c.sendErrorQuietly("authentication failed: wrong shared secret");
            throw new ProtocolException("source failed authentication (wrong shared secret) from " + c.peer());
        }
        c.authenticated();
        c.send(Frame.empty(FrameType.AUTH_OK));
        return new Accepted(hello, version);
    }

    /** "version 2", or "versions 2 to 3": the same words version-2 builds use for a single version. */
    private static String versions(int min, int max) {
        return min >= max ? "version " + max : "versions " + min + " to " + max;
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    static byte[] proof(byte[] secret, String role, byte[] first, byte[] second, Hello hello) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(first);
            mac.update(second);
            mac.update(new PayloadWriter().str(hello.migrationId()).u8(hello.purpose().code()).u16(hello.stream())
                    .toByteArray());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
