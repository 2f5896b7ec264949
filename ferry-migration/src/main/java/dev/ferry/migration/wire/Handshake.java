package dev.ferry.migration.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens every connection: version check and mutual HMAC-SHA256 challenge-response over the shared secret.
 *
 * <pre>
 * source -> HELLO     "FERRYMIG", version, purpose, migration id, stream, nonceS (32 random bytes)
 * target -> CHALLENGE version, nonceT, HMAC(secret, "ferry-target" | nonceS | nonceT | id | purpose | stream)
 * source -> AUTH      HMAC(secret, "ferry-source" | nonceT | nonceS | id | purpose | stream)
 * target -> AUTH_OK
 * </pre>
 *
 * Each side proves knowledge of the secret over a nonce the other chose, so neither proof can be replayed, and
 * the secret itself never crosses the wire. A version mismatch or a failed proof is answered with an ERROR
 * frame naming the reason, and the connection is closed.
 */
public final class Handshake {

    /** The protocol version this build speaks. */
    public static final int VERSION = 2;
    private static final byte[] MAGIC = "FERRYMIG".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a connection is opened. */
    public enum Purpose {
        /** The control connection of a new migration. */
        CONTROL,
        /** A page stream of a migration begun on a control connection. */
        PAGES,
        /** A new control connection for a post-copy migration whose connection was lost. */
        RECOVER
    }

    /**
     * What a HELLO announced, once authenticated.
     *
     * @param purpose     why the connection was opened
     * @param migrationId the migration it belongs to
     * @param stream      page stream number (PAGES), else 0
     */
    public record Hello(Purpose purpose, String migrationId, int stream) { }

    private Handshake() {
    }

    /** The source side; throws with a clear reason when the target refuses or fails to prove the secret. */
    public static void asSource(FrameConnection c, byte[] secret, int version, Hello hello) throws IOException {
        byte[] nonceS = nonce();
        c.send(new PayloadWriter().raw(MAGIC).u16(version).u8(hello.purpose().ordinal()).str(hello.migrationId())
                .u16(hello.stream()).raw(nonceS).frame(FrameType.HELLO));
        Frame f = c.receive(FrameConnection.REPLY_MILLIS);
        if (f.type() == FrameType.ERROR) {
            throw new ProtocolException("target refused the connection: " + Messages.error(f));
        }
        if (f.type() != FrameType.CHALLENGE) {
            throw new ProtocolException("expected a CHALLENGE frame, got " + f.type());
        }
        PayloadReader r = f.reader();
        int theirs = r.u16();
        byte[] nonceT = r.raw(NONCE);
        byte[] proofT = r.raw(32);
        r.end();
        if (theirs != version) {
            c.sendErrorQuietly(mismatch(version, theirs));
            throw new ProtocolException(mismatch(version, theirs));
        }
        if (!MessageDigest.isEqual(proofT, proof(secret, "ferry-target", nonceS, nonceT, hello))) {
            String why = "target failed authentication (it does not know the shared secret)";
            c.sendErrorQuietly("authentication failed: wrong shared secret");
            throw new ProtocolException(why);
        }
        c.send(new PayloadWriter().raw(proof(secret, "ferry-source", nonceT, nonceS, hello)).frame(FrameType.AUTH));
        c.expect(FrameType.AUTH_OK, FrameConnection.REPLY_MILLIS);
        c.authenticated();
    }

    /** The target side: returns the authenticated HELLO, or throws after telling the source why not. */
    public static Hello asTarget(FrameConnection c, byte[] secret) throws IOException {
        Frame f = c.expect(FrameType.HELLO, FrameConnection.REPLY_MILLIS);
        PayloadReader r = f.reader();
        byte[] magic = r.raw(MAGIC.length);
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw new ProtocolException("HELLO without the FERRYMIG magic");
        }
        int version = r.u16();
        if (version != VERSION) {
            c.sendErrorQuietly(mismatch(version, VERSION));
            throw new ProtocolException(mismatch(version, VERSION));
        }
        int purpose = r.u8();
        if (purpose >= Purpose.values().length) {
            throw new ProtocolException("HELLO with unknown purpose " + purpose);
        }
        String id = r.str(256);
        int stream = r.u16();
        byte[] nonceS = r.raw(NONCE);
        r.end();
        Hello hello = new Hello(Purpose.values()[purpose], id, stream);
        byte[] nonceT = nonce();
        c.send(new PayloadWriter().u16(VERSION).raw(nonceT).raw(proof(secret, "ferry-target", nonceS, nonceT, hello))
                .frame(FrameType.CHALLENGE));
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
        return hello;
    }

    private static String mismatch(int source, int target) {
        return "protocol version mismatch: source speaks version " + source + ", target speaks version " + target;
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
            mac.update(new PayloadWriter().str(hello.migrationId()).u8(hello.purpose().ordinal()).u16(hello.stream())
                    .toByteArray());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
