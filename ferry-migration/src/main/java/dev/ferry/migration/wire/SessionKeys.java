package dev.ferry.migration.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two AES-256 keys of one encrypted connection, derived in the handshake with HKDF-SHA256 (RFC 5869) from the
 * shared secret and both nonces: {@code PRK = HMAC(nonceS | nonceT, secret)}, then one key per direction,
 * {@code HKDF-Expand(PRK, label | 0 | str id | u8 purpose | u16 stream, 32)} with the labels
 * {@code "ferry v3 source-to-target"} and {@code "ferry v3 target-to-source"}. Fresh nonces on every connection
 * make every connection's keys new, so each direction's frame counter can start at zero. The JDK of the build's
 * release has no HKDF, and the two HMAC steps are all it takes.
 *
 * @param sourceToTarget key of the frames the source sends
 * @param targetToSource key of the frames the target sends
 */
public record SessionKeys(byte[] sourceToTarget, byte[] targetToSource) {

    /** Key length: AES-256. */
    public static final int KEY_BYTES = 32;
    private static final int HASH = 32;

    /** Derives the keys of the connection that {@code hello} opened, after nonces {@code nonceS} and {@code nonceT}. */
    public static SessionKeys derive(byte[] secret, byte[] nonceS, byte[] nonceT, Handshake.Hello hello) {
        byte[] salt = new byte[nonceS.length + nonceT.length];
        System.arraycopy(nonceS, 0, salt, 0, nonceS.length);
        System.arraycopy(nonceT, 0, salt, nonceS.length, nonceT.length);
        byte[] prk = extract(salt, secret);
        byte[] binding = new PayloadWriter().u8(0).str(hello.migrationId()).u8(hello.purpose().code())
                .u16(hello.stream()).toByteArray();
        return new SessionKeys(expand(prk, info("ferry v3 source-to-target", binding), KEY_BYTES),
                expand(prk, info("ferry v3 target-to-source", binding), KEY_BYTES));
    }

    /** HKDF-Extract: {@code HMAC-SHA256(salt, ikm)}. */
    static byte[] extract(byte[] salt, byte[] ikm) {
        Mac mac = hmac(salt.length == 0 ? new byte[HASH] : salt);
        return mac.doFinal(ikm);
    }

    /**
     * HKDF-Expand: the first {@code length} bytes of {@code T(1) | T(2) | ...}, where
     * {@code T(i) = HMAC(prk, T(i-1) | info | i)}.
     */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH) {
            throw new IllegalArgumentException("HKDF-Expand cannot give " + length + " bytes");
        }
        Mac mac = hmac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, at = 0; at < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            System.arraycopy(t, 0, out, at, Math.min(HASH, length - at));
            at += HASH;
        }
        return out;
    }

    private static byte[] info(String label, byte[] binding) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[l.length + binding.length];
        System.arraycopy(l, 0, out, 0, l.length);
        System.arraycopy(binding, 0, out, l.length, binding.length);
        return out;
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** Keys are secret: never printed. */
    @Override
    public String toString() {
        return "SessionKeys[hidden]";
    }
}
