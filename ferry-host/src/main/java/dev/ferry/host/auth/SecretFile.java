package dev.ferry.host.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * A secret kept as hex digits in a file only its owner may read: the secret hosts authenticate each other with
 * ({@link SharedSecret}) and the control API's bearer token ({@link ApiToken}). Both live in the user's Ferry
 * configuration directory, {@code $XDG_CONFIG_HOME/ferry} or {@code ~/.config/ferry} (mode 0700). A file is
 * refused when group or others have any access to it, and when its secret is shorter than 128 bits or is
 * obviously not random (few distinct digits, a repeated pattern, a counting sequence).
 */
public final class SecretFile {

    /** Bytes of randomness in a generated secret. */
    public static final int GENERATED_BYTES = 32;
    /** Fewest bytes a secret may have: 128 bits. */
    public static final int MIN_BYTES = 16;
    /** Fewest distinct hex digits in a secret; 32 random digits have fewer with a probability below 10^-7. */
    static final int MIN_DISTINCT_DIGITS = 8;

    private static final Set<PosixFilePermission> OWNER_ONLY = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private SecretFile() {
    }

    /** The user's Ferry configuration directory. */
    public static Path configDirectory() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return config.resolve("ferry");
    }

    /**
     * Reads the secret in {@code file}, creating the file with a fresh random secret (mode 0600, directory 0700)
     * when it does not exist yet. Creation is atomic: the file appears complete or not at all, and when several
     * processes race, all of them end up with the winner's secret.
     */
    public static byte[] loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return read(file);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(dir + " exists and is not a directory", e);
            }
        }
        byte[] secret = new byte[GENERATED_BYTES];
        new SecureRandom().nextBytes(secret);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                return read(file);
            } catch (UnsupportedOperationException | IOException e) {
                if (Files.exists(file)) {
                    return read(file);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            return secret;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a secret file: hex digits (at least 32), surrounding white space ignored, in a file no one but its
     * owner may access.
     *
     * @throws IOException with a one-line message naming the file and the fix
     */
    public static byte[] read(Path file) throws IOException {
        checkOwnerOnly(file);
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip().toLowerCase(Locale.ROOT);
        byte[] secret;
        try {
            secret = HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a Ferry secret (want hex digits)", e);
        }
        if (secret.length < MIN_BYTES) {
            throw new IOException(file + ": the secret is too short (want at least " + 2 * MIN_BYTES + " hex digits)");
        }
        String weakness = weakness(text);
        if (weakness != null) {
            throw new IOException(file + ": not a random secret (" + weakness + "); replace it with 64 random hex "
                    + "digits, e.g. 'openssl rand -hex 32 > " + file + "', or delete it to have one generated");
        }
        return secret;
    }

    /** Refuses a file that group or others may access in any way. */
    static void checkOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return;
        }
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new IOException(file + " may be read or changed by other users (mode "
                    + PosixFilePermissions.toString(permissions) + "); run 'chmod 600 " + file + "'");
        }
    }

    /**
     * Why lowercase hex digits {@code hex} are obviously not random, or {@code null}: fewer than
     * {@link #MIN_DISTINCT_DIGITS} distinct digits, a pattern repeated at least twice, more than half of the
     * steps from digit to digit alike, or more than three quarters of them up or down by one (counting). Random
     * digits trip none of these but with a probability below 10^-9.
     */
    static String weakness(String hex) {
        int n = hex.length();
        if (hex.chars().distinct().count() < MIN_DISTINCT_DIGITS) {
            return "only " + hex.chars().distinct().count() + " distinct digits";
        }
        for (int period = 1; period <= n / 2; period++) {
            if (hex.regionMatches(0, hex, period, n - period)) {
                return "a pattern of " + period + " digits repeated";
            }
        }
        int[] steps = new int[16];
        int most = 0;
        for (int i = 1; i < n; i++) {
            int step = (Character.digit(hex.charAt(i), 16) - Character.digit(hex.charAt(i - 1), 16)) & 15;
            most = Math.max(most, ++steps[step]);
        }
        if (most * 2 > n - 1 || (steps[1] + steps[15]) * 4 > 3 * (n - 1)) {
            return "a counting sequence";
        }
        return null;
    }
}
