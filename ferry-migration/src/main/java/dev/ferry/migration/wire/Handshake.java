package dev.ferry.migration.wire;

import dev.ferry.migration.EncryptionPolicy;
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
 * Opens every connection: version negotiation, mutual HMAC-SHA256 challenge-response over the shared secret and,
 * from version 3 on, the choice of encryption.
 *
 * <pre>
 * source -> HELLO     "FERRYMIG", version, purpose, migration id, stream, nonceS (32 random bytes), [v3] wish
 * target -> CHALLENGE version, nonceT, proofT, [v3] cipher
 * source -> AUTH      proofS
 * target -> AUTH_OK   (the first encrypted frame when the cipher is AES-256-GCM)
 * proofT = HMAC(secret, "ferry-target" | nonceS | nonceT | id | purpose | stream | [v3] terms)
 * proofS = HMAC(secret, "ferry-source" | nonceT | nonceS | id | purpose | stream | [v3] terms)
 * terms  = version offered | version chosen | wish | cipher
 * </pre>
 *
 * The source offers the newest version it speaks; the target answers with the version the connection will
 * speak: the older of the two, as long as both speak it ({@link #MIN_VERSION} .. {@link #VERSION} here). A target
 * of version 2 instead refuses any other version with an ERROR naming its own, and the source then connects again
 * offering that version ({@link #connectAsSource}). Each side proves knowledge of the secret over a nonce the
 * other chose, so neither proof can be replayed, and the secret itself never crosses the wire; in version 3 the
 * proofs also cover what was negotiated. The target decides encryption from the source's wish and its own
 * ({@link EncryptionWish#agree}); both ends then derive per-direction keys ({@link SessionKeys}) and every later
 * frame is sealed ({@link FrameCipher}). A version neither side speaks, a failed proof or an encryption mismatch is
 * answered with an ERROR frame naming the reason, and the connection is closed.
 */
public final class Handshake {

    /** The newest protocol version this build speaks. */
    public static final int VERSION = 5;
    /** The oldest protocol version this build still speaks, with hosts of the previous release. */
    public static final int MIN_VERSION = 2;
    /** Targets of this version and newer answer a newer source with their own version instead of refusing it. */
    private static final int NEGOTIATING_VERSION = 3;
    /** The first version that negotiates encryption (HELLO's wish, CHALLENGE's cipher). */
    public static final int ENCRYPTION_VERSION = 3;
    /** CHALLENGE's cipher code: frames stay plain. */
    private static final int NO_CIPHER = 0;
    /** CHALLENGE's cipher code: AES-256-GCM, keys from {@link SessionKeys}. */
    private static final int AES_256_GCM = 1;
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
        private final transient EncryptionWish wish;

        VersionRefused(String message, int targetVersion, EncryptionWish wish) {
            super(message);
            this.targetVersion = targetVersion;
            this.wish = wish;
        }
    }

    private Handshake() {
    }

    /**
     * Connects to {@code target} and runs the source side, offering {@code version}. When the target refuses it
     * and names an older version this build speaks (as version-2 targets do), connects once more offering that,
     * unless this end requires encryption, which version 2 cannot give. The connection is closed when this fails.
     */
    public static Opened connectAsSource(InetSocketAddress target, AtomicLong wireBytes, byte[] secret, int version,
            Hello hello, EncryptionPolicy encryption) throws IOException {
        try {
            return open(target, wireBytes, secret, version, hello, encryption);
        } catch (VersionRefused e) {
            if (e.targetVersion < MIN_VERSION || e.targetVersion >= version) {
                throw e;
            }
            if (e.targetVersion < ENCRYPTION_VERSION && e.wish == EncryptionWish.REQUIRED) {
                throw new ProtocolException(cannotEncrypt("the source", "the target", e.targetVersion));
            }
            return open(target, wireBytes, secret, e.targetVersion, hello, encryption);
        }
    }

    /** {@link #connectAsSource(InetSocketAddress, AtomicLong, byte[], int, Hello, EncryptionPolicy)} by default. */
    public static Opened connectAsSource(InetSocketAddress target, AtomicLong wireBytes, byte[] secret, int version,
            Hello hello) throws IOException {
        return connectAsSource(target, wireBytes, secret, version, hello, EncryptionPolicy.DEFAULT);
    }

    private static Opened open(InetSocketAddress target, AtomicLong wireBytes, byte[] secret, int version,
            Hello hello, EncryptionPolicy encryption) throws IOException {
        FrameConnection c = FrameConnection.connect(target, wireBytes);
        try {
            return new Opened(c, asSource(c, secret, version, hello, encryption));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** {@link #asSource(FrameConnection, byte[], int, Hello, EncryptionPolicy)} with the default policy. */
    public static int asSource(FrameConnection c, byte[] secret, int version, Hello hello) throws IOException {
        return asSource(c, secret, version, hello, EncryptionPolicy.DEFAULT);
    }

    /**
     * The source side on a connected socket, offering {@code version} and asking for encryption as
     * {@code encryption} says for this peer; returns the version the target chose. The connection is encrypted
     * afterwards when both ends agreed to ({@link FrameConnection#encrypted()}). Throws with a clear reason when the
     * target refuses, fails to prove the secret, or cannot agree on encryption.
     */
    public static int asSource(FrameConnection c, byte[] secret, int version, Hello hello,
            EncryptionPolicy encryption) throws IOException {
        boolean loopback = c.peerIsLoopback();
        String refusal = encryption.refusal(loopback);
        if (refusal != null) {
            throw new ProtocolException(refusal);
        }
        EncryptionWish wish = encryption.wish(loopback);
        if (version < ENCRYPTION_VERSION && wish == EncryptionWish.REQUIRED) {
            throw new ProtocolException("encryption is required, but protocol version " + version
                    + " cannot encrypt");
        }
        byte[] nonceS = nonce();
        PayloadWriter hw = new PayloadWriter().raw(MAGIC).u16(version).u8(hello.purpose().code())
                .str(hello.migrationId()).u16(hello.stream()).raw(nonceS);
        if (version >= ENCRYPTION_VERSION) {
            hw.u8(wish.code());
        }
        c.send(hw.frame(FrameType.HELLO));
        Frame f = c.receive(FrameConnection.REPLY_MILLIS);
        if (f.type() == FrameType.ERROR) {
            String reason = Messages.error(f);
            Matcher m = TARGET_VERSION.matcher(reason);
            String message = "target refused the connection: " + reason;
            if (m.find()) {
                throw new VersionRefused(message, Integer.parseInt(m.group(1)), wish);
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
        int cipher = theirs >= ENCRYPTION_VERSION ? r.u8() : NO_CIPHER;
        r.end();
        if (theirs > version || theirs < MIN_VERSION) {
            String why = "protocol version mismatch: source speaks " + versions(MIN_VERSION, version)
                    + ", target speaks version " + theirs;
            c.sendErrorQuietly(why);
            throw new ProtocolException(why);
        }
        String mismatch = theirs < ENCRYPTION_VERSION && wish == EncryptionWish.REQUIRED
                ? cannotEncrypt("the source", "the target", theirs)
                : cipher != NO_CIPHER && cipher != AES_256_GCM ? "the target chose unknown cipher " + cipher
                : cipher == NO_CIPHER && wish == EncryptionWish.REQUIRED ? "the target did not agree to encrypt"
                : cipher == AES_256_GCM && wish == EncryptionWish.REFUSED ? "the target encrypts, the source refuses "
                        + "encryption (its encryption is set to never)" : null;
        if (mismatch != null) {
            c.sendErrorQuietly(mismatch);
            throw new ProtocolException(mismatch);
        }
        byte[] terms = terms(version, theirs, wish, cipher);
        if (!MessageDigest.isEqual(proofT, proof(secret, "ferry-target", nonceS, nonceT, hello, terms))) {
            String why = "target failed authentication (it does not know the shared secret, or the handshake was "
                    + "altered on the way)";
            c.sendErrorQuietly("authentication failed: wrong shared secret");
            throw new ProtocolException(why);
        }
        c.send(new PayloadWriter().raw(proof(secret, "ferry-source", nonceT, nonceS, hello, terms))
                .frame(FrameType.AUTH));
        if (cipher == AES_256_GCM) {
            c.encrypt(FrameCipher.forSource(SessionKeys.derive(secret, nonceS, nonceT, hello)));
        }
        c.expect(FrameType.AUTH_OK, FrameConnection.REPLY_MILLIS);
        c.authenticated();
        return theirs;
    }

    /** The target side speaking up to {@link #VERSION}, encrypting by default. */
    public static Accepted asTarget(FrameConnection c, byte[] secret) throws IOException {
        return asTarget(c, secret, VERSION, EncryptionPolicy.DEFAULT);
    }

    /** {@link #asTarget(FrameConnection, byte[], int, EncryptionPolicy)} with the default policy. */
    public static Accepted asTarget(FrameConnection c, byte[] secret, int maxVersion) throws IOException {
        return asTarget(c, secret, maxVersion, EncryptionPolicy.DEFAULT);
    }

    /**
     * The target side speaking versions {@link #MIN_VERSION} to {@code maxVersion}: returns the authenticated
     * HELLO and the version chosen, or throws after telling the source why not. With {@code maxVersion} 2 it
     * behaves as version-2 builds do: any other version is refused with an ERROR naming version 2. Encryption is
     * decided from the source's wish and {@code encryption} for this peer ({@link EncryptionWish#agree}); a source
     * of version 2 is refused when encryption is required.
     */
    public static Accepted asTarget(FrameConnection c, byte[] secret, int maxVersion, EncryptionPolicy encryption)
            throws IOException {
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
        EncryptionWish theirWish = EncryptionWish.EITHER;
        if (offered >= ENCRYPTION_VERSION) {
            int w = r.u8();
            theirWish = EncryptionWish.ofCode(w);
            if (theirWish == null) {
                throw new ProtocolException("HELLO with unknown encryption wish " + w);
            }
        }
        r.end();
        boolean loopback = c.peerIsLoopback();
        String refusal = encryption.refusal(loopback);
        EncryptionWish ours = encryption.wish(loopback);
        boolean encrypt;
        try {
            if (refusal != null) {
                throw new ProtocolException(refusal);
            }
            if (version < ENCRYPTION_VERSION && ours == EncryptionWish.REQUIRED) {
                throw new ProtocolException(cannotEncrypt("the target", "the source", version));
            }
            encrypt = version >= ENCRYPTION_VERSION && EncryptionWish.agree(theirWish, ours);
        } catch (ProtocolException e) {
            c.sendErrorQuietly(e.getMessage());
            throw e;
        }
        Hello hello = new Hello(purpose, id, stream);
        byte[] nonceT = nonce();
        int cipher = encrypt ? AES_256_GCM : NO_CIPHER;
        byte[] terms = terms(offered, version, theirWish, cipher);
        PayloadWriter cw = new PayloadWriter().u16(version).raw(nonceT)
                .raw(proof(secret, "ferry-target", nonceS, nonceT, hello, terms));
        if (version >= ENCRYPTION_VERSION) {
            cw.u8(cipher);
        }
        c.send(cw.frame(FrameType.CHALLENGE));
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
        if (!MessageDigest.isEqual(proofS, proof(secret, "ferry-source", nonceT, nonceS, hello, terms))) {
            c.sendErrorQuietly("authentication failed: wrong shared secret");
            throw new ProtocolException("source failed authentication (wrong shared secret) from " + c.peer());
        }
        if (encrypt) {
            c.encrypt(FrameCipher.forTarget(SessionKeys.derive(secret, nonceS, nonceT, hello)));
        }
        c.authenticated();
        c.send(Frame.empty(FrameType.AUTH_OK));
        return new Accepted(hello, version);
    }

    /**
     * What the proofs of a version-3 handshake also cover, so that nobody on the way can change what the two ends
     * agreed: the version offered and chosen, the source's encryption wish and the cipher chosen. Empty for
     * version 2, whose proofs stay as that release computes them.
     */
    static byte[] terms(int offered, int chosen, EncryptionWish wish, int cipher) {
        if (chosen < ENCRYPTION_VERSION) {
            return new byte[0];
        }
        return new PayloadWriter().u16(offered).u16(chosen).u8(wish.code()).u8(cipher).toByteArray();
    }

    private static String cannotEncrypt(String requiring, String other, int otherVersion) {
        return "encryption required by " + requiring + ", but " + other + " speaks protocol version " + otherVersion
                + ", which cannot encrypt";
    }

    /** "version 2", or "versions 2 to 4": the same words version-2 builds use for a single version. */
    private static String versions(int min, int max) {
        return min >= max ? "version " + max : "versions " + min + " to " + max;
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    static byte[] proof(byte[] secret, String role, byte[] first, byte[] second, Hello hello) {
        return proof(secret, role, first, second, hello, new byte[0]);
    }

    static byte[] proof(byte[] secret, String role, byte[] first, byte[] second, Hello hello, byte[] terms) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(first);
            mac.update(second);
            mac.update(new PayloadWriter().str(hello.migrationId()).u8(hello.purpose().code()).u16(hello.stream())
                    .toByteArray());
            mac.update(terms);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
