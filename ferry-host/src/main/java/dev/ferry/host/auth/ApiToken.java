package dev.ferry.host.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The bearer token every request to a host's control API must carry ({@code Authorization: Bearer TOKEN}):
 * 32 random bytes as 64 hex digits in a {@link SecretFile}, by default {@code ~/.config/ferry/token}. The host
 * creates the file when it starts; the {@code ferry} command reads it as the user who runs it, so only users
 * who can read the host owner's file can use the host.
 */
public final class ApiToken {

    private static final String BEARER = "Bearer ";

    private final byte[] value;

    private ApiToken(byte[] value) {
        this.value = value;
    }

    /** The default token file of the current user. */
    public static Path defaultFile() {
        return SecretFile.configDirectory().resolve("token");
    }

    /** The token in {@code file}, creating the file with a fresh random token when it does not exist yet. */
    public static ApiToken loadOrCreate(Path file) throws IOException {
        return new ApiToken(SecretFile.loadOrCreate(file));
    }

    /** The token in {@code file}, checked as every {@link SecretFile}. */
    public static ApiToken read(Path file) throws IOException {
        return new ApiToken(SecretFile.read(file));
    }

    /** A fresh random token that lives only in this process (tests, and hosts given no token file). */
    public static ApiToken random() {
        byte[] bytes = new byte[SecretFile.GENERATED_BYTES];
        new SecureRandom().nextBytes(bytes);
        return new ApiToken(bytes);
    }

    /** The value of the {@code Authorization} header that carries this token. */
    public String authorization() {
        return BEARER + HexFormat.of().formatHex(value);
    }

    /**
     * True when {@code header} (an {@code Authorization} header, or {@code null}) carries this token. The
     * comparison takes the same time wherever the first difference is.
     */
    public boolean accepts(String header) {
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).strip().toLowerCase(Locale.ROOT)
                .getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(HexFormat.of().formatHex(value).getBytes(StandardCharsets.US_ASCII), given);
    }

    @Override
    public String toString() {
        return "ApiToken(****)";
    }
}
