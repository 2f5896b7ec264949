package dev.ferry.host.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret hosts authenticate each other with on the migration endpoint: 32 random bytes kept as hex in a
 * file readable only by its owner. By default the file is {@code $XDG_CONFIG_HOME/ferry/secret} (or
 * {@code ~/.config/ferry/secret}), so every host one user starts on one machine shares it; to migrate between
 * machines, copy the file. The first host to start creates it; hosts starting at the same moment agree on one.
 */
public final class SharedSecret {

    /** Bytes of randomness in a generated secret. */
    public static final int LENGTH = 32;

    private SharedSecret() {
    }

    /** The default secret file of the current user. */
    public static Path defaultFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return config.resolve("ferry").resolve("secret");
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
        byte[] secret = new byte[LENGTH];
        new SecureRandom().nextBytes(secret);
        Path tmp = Files.createTempFile(dir, ".secret-", ".tmp",
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

    /** Reads a secret file: hex digits (at least 16 bytes' worth), surrounding white space ignored. */
    public static byte[] read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            byte[] secret = HexFormat.of().parseHex(text);
            if (secret.length < 16) {
                throw new IOException(file + ": the secret is too short (want at least 32 hex digits)");
            }
            return secret;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a Ferry secret (want hex digits)", e);
        }
    }
}
