package dev.ferry.cluster.dashboard;

import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.ApiToken;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The address that opens the dashboard of a manager with the cluster's token in its fragment
 * ({@code http://HOST:PORT/#token=HEX}): browsers never send a fragment to the server, so the token does not land
 * in any request line or log; the page moves it to the tab's session storage and drops it from the address bar.
 * Whoever has the link has the token.
 */
public final class DashboardLink {

    private static final String BEARER = "Bearer ";

    private DashboardLink() {
    }

    /** The dashboard of the manager at {@code manager}, signed in with {@code token}. */
    public static URI of(InetSocketAddress manager, ApiToken token) {
        return URI.create("http://" + HostAddress.format(manager) + "/#token=" + token.authorization()
                .substring(BEARER.length()));
    }
}
