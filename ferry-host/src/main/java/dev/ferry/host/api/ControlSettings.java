package dev.ferry.host.api;

import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.http.HttpLimits;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Who may use a host's control API and what it takes from them.
 *
 * @param token         the bearer token every request must carry
 * @param tls           the server's TLS context, or {@code null} for plain HTTP (loopback addresses only)
 * @param limits        deadlines and sizes of HTTP requests
 * @param maxImageBytes largest image a client may upload
 * @param maxUploads    uploaded images kept; older ones are deleted
 */
public record ControlSettings(ApiToken token, SSLContext tls, HttpLimits limits, long maxImageBytes, int maxUploads) {

    /** Default largest upload: 256 MiB. */
    public static final long DEFAULT_MAX_IMAGE_BYTES = 256L << 20;
    /** Default number of uploaded images kept. */
    public static final int DEFAULT_MAX_UPLOADS = 32;

    /** Checks the values. */
    public ControlSettings {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(limits, "limits");
        if (maxImageBytes < 1 || maxUploads < 1) {
            throw new IllegalArgumentException("image limits must be positive");
        }
    }

    /** Plain HTTP with {@code token} and the default limits. */
    public static ControlSettings of(ApiToken token) {
        return new ControlSettings(token, null, HttpLimits.DEFAULTS, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_UPLOADS);
    }

    /** These settings served over TLS with {@code context}. */
    public ControlSettings withTls(SSLContext context) {
        return new ControlSettings(token, context, limits, maxImageBytes, maxUploads);
    }

    /** These settings with other HTTP limits. */
    public ControlSettings withLimits(HttpLimits httpLimits) {
        return new ControlSettings(token, tls, httpLimits, maxImageBytes, maxUploads);
    }

    /** These settings with another largest upload. */
    public ControlSettings withMaxImageBytes(long bytes) {
        return new ControlSettings(token, tls, limits, bytes, maxUploads);
    }
}
