package dev.ferry.host.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS identity a host serves its control API with off loopback: a PKCS#12 (or JKS) key store holding the
 * host's private key and certificate, and a file holding the store's password (first line), which no one but
 * its owner may read.
 */
public final class TlsKeyStore {

    private TlsKeyStore() {
    }

    /**
     * A server TLS context with the key in {@code keyStore}, unlocked by the password in {@code passwordFile}.
     *
     * @throws IOException with a one-line message naming the file and the problem
     */
    public static SSLContext serverContext(Path keyStore, Path passwordFile) throws IOException {
        char[] password;
        try {
            SecretFile.checkOwnerOnly(passwordFile);
            password = Files.readString(passwordFile, StandardCharsets.UTF_8).lines().findFirst().orElse("")
                    .toCharArray();
        } catch (NoSuchFileException e) {
            throw new IOException(passwordFile + ": no such file");
        }
        KeyStore store;
        try {
            store = KeyStore.getInstance(keyStore.toFile(), password);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new IOException(keyStore + ": no such file");
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException(keyStore + ": cannot open the key store (wrong password, or not a PKCS#12 or JKS "
                    + "file)");
        }
        try {
            boolean hasKey = false;
            for (String alias : Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new IOException(keyStore + ": the key store holds no private key");
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(keyStore + ": cannot use the key (" + e.getMessage() + ")");
        }
    }
}
