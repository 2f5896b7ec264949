package dev.ferry.host.auth;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The secret hosts authenticate each other with on the migration endpoint: 32 random bytes kept as hex in a
 * {@link SecretFile}. By default the file is {@code $XDG_CONFIG_HOME/ferry/secret} (or
 * {@code ~/.config/ferry/secret}), so every host one user starts on one machine shares it; to migrate between
 * machines, copy the file. The first host to start creates it; hosts starting at the same moment agree on one.
 */
public final class SharedSecret {

    /** Bytes of randomness in a generated secret. */
    public static final int LENGTH = SecretFile.GENERATED_BYTES;

    private SharedSecret() {
    }

    /** The default secret file of the current user. */
    public static Path defaultFile() {
        return SecretFile.configDirectory().resolve("secret");
    }

    /** Reads the secret in {@code file}, creating it first if it does not exist (see {@link SecretFile}). */
    public static byte[] loadOrCreate(Path file) throws IOException {
        return SecretFile.loadOrCreate(file);
    }

    /** Reads a secret file (see {@link SecretFile#read}). */
    public static byte[] read(Path file) throws IOException {
        return SecretFile.read(file);
    }
}
