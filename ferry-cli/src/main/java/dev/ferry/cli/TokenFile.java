package dev.ferry.cli;

import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The API token the {@code ferry} command sends, read as the user who runs it from {@code --token-file} or
 * {@code ~/.config/ferry/token}. A token that cannot be read is not an error by itself — a request goes out
 * without one — but when a host refuses the request, the reason the token was missing is what the user sees.
 */
public final class TokenFile {

    private final Path file;
    private ApiToken token;
    private String problem;

    private TokenFile(Path file) {
        this.file = file;
    }

    /** The token in {@code file}, or in the user's default token file when {@code file} is {@code null}. */
    public static TokenFile of(Path file) {
        return new TokenFile(file != null ? file : ApiToken.defaultFile());
    }

    /** A token already at hand (in-process hosts of {@code ferry demo}). */
    public static TokenFile of(ApiToken token) {
        TokenFile t = new TokenFile(null);
        t.token = token;
        return t;
    }

    /** The {@code Authorization} header value, when the token could be read. */
    synchronized Optional<String> authorization() {
        if (token == null && problem == null) {
            try {
                token = ApiToken.read(file);
            } catch (NoSuchFileException e) {
                problem = file + " does not exist (a host creates it for the user who runs the host: run ferry as "
                        + "that user, or give --token-file)";
            } catch (AccessDeniedException e) {
                problem = "cannot read " + file + " (the token belongs to the user who runs the host)";
            } catch (IOException e) {
                problem = e.getMessage();
            }
        }
        return Optional.ofNullable(token).map(ApiToken::authorization);
    }

    /** Why a host refused what this file gave. */
    synchronized String whyRefused() {
        authorization();
        return problem != null ? problem : "it is not this host's token (" + (file == null ? "given" : file) + ")";
    }
}
