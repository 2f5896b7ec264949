package dev.ferry.host.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small HTTP/1.1 server for Ferry's control API, plain or over TLS. Each connection carries one request and
 * is served on a virtual thread; every phase of it has a deadline ({@link HttpLimits}) after which its socket is
 * closed, so half-sent requests and clients that do not read their answers cost nothing for long. Requests it
 * cannot parse are answered by the endpoint itself, with the body the {@link ErrorRenderer} makes, so a client
 * sees the same error format for every failure.
 *
 * <p>Ferry has its own server rather than the JDK's {@code com.sun.net.httpserver}: that one answers a request
 * line it cannot parse (such as {@code GET /%zz}) with an HTML page naming a Java exception before any handler
 * runs, and bounds only the whole request, not each phase.
 */
public final class HttpEndpoint implements AutoCloseable {

    /** Answers one request. */
    @FunctionalInterface
    public interface Handler {
        /** Reads the request and answers it with {@link Exchange#respond}. */
        void handle(Exchange exchange) throws IOException;
    }

    /** Makes the body of an error answer. */
    @FunctionalInterface
    public interface ErrorRenderer {
        /** The bytes of an error with stable {@code code} and one-line {@code message}. */
        byte[] render(String code, String message);
    }

    /** Content type of error answers. */
    private static final String ERROR_TYPE = "application/json";
    /**
     * Unread body bytes taken off a connection after its answer (whose end the client sees at once), before
     * closing it, so that the close does not reset the answer away.
     */
    private static final long DRAIN_LIMIT = 256 * 1024;
    private static final long DRAIN_NANOS = 1_000_000_000L;

    private final ServerSocket server;
    private final SSLContext tls;
    private final HttpLimits limits;
    private final Handler handler;
    private final ErrorRenderer errors;
    private final ScheduledExecutorService timer;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    /** Connections being served per client address; guarded by itself. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private HttpEndpoint(ServerSocket server, SSLContext tls, HttpLimits limits, Handler handler,
            ErrorRenderer errors) {
        this.server = server;
        this.tls = tls;
        this.limits = limits;
        this.handler = handler;
        this.errors = errors;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-http-deadlines-" + server.getLocalPort());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "ferry-http-accept-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds {@code listen} and serves {@code handler} there: over TLS with {@code tls}, in plain HTTP when it is
     * {@code null}.
     */
    public static HttpEndpoint start(InetSocketAddress listen, SSLContext tls, HttpLimits limits, Handler handler,
            ErrorRenderer errors) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            server.bind(listen, 128);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        HttpEndpoint endpoint = new HttpEndpoint(server, tls, limits, handler, errors);
        endpoint.acceptor.start();
        return endpoint;
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** True when the endpoint speaks TLS. */
    public boolean tls() {
        return tls != null;
    }

    /** Connections being served right now. */
    public int openConnections() {
        return connections.get();
    }

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        timer.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (connections.incrementAndGet() > limits.maxConnections()) {
                connections.decrementAndGet();
                closeQuietly(socket);
                continue;
            }
            InetAddress peer = socket.getInetAddress();
            if (!admit(peer)) {
                connections.decrementAndGet();
                closeQuietly(socket);
                continue;
            }
            open.add(socket);
            Thread.ofVirtual().name("ferry-http").start(() -> {
                try {
                    serve(socket);
                } finally {
                    closeQuietly(socket);
                    open.remove(socket);
                    release(peer);
                    connections.decrementAndGet();
                }
            });
        }
    }

    /** Counts a connection from {@code peer} if that address is under its cap. */
    private boolean admit(InetAddress peer) {
        synchronized (perAddress) {
            int n = perAddress.getOrDefault(peer, 0);
            if (n >= limits.maxConnectionsPerAddress()) {
                return false;
            }
            perAddress.put(peer, n + 1);
            return true;
        }
    }

    private void release(InetAddress peer) {
        synchronized (perAddress) {
            perAddress.computeIfPresent(peer, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void serve(Socket plain) {
        Deadline deadline = new Deadline(timer, plain);
        deadline.after(limits.headTimeout().toNanos());
        try {
            plain.setTcpNoDelay(true);
            Socket socket = plain;
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                ssl.setUseClientMode(false);
                ssl.setEnabledProtocols(Arrays.stream(ssl.getSupportedProtocols())
                        .filter(p -> p.equals("TLSv1.3") || p.equals("TLSv1.2")).toArray(String[]::new));
                socket = ssl;
            }
            InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            Exchange exchange = null;
            try {
                RequestHead head = RequestHead.read(in, limits.maxHeadBytes());
                if (head == null) {
                    return;
                }
                long length = head.contentLength();
                if (length == 0) {
                    deadline.cancel();
                } else {
                    deadline.after(limits.bodyAllowanceNanos(length));
                }
                exchange = new Exchange(head, length, in, out, (InetSocketAddress) plain.getRemoteSocketAddress(),
                        deadline, limits);
                handle(exchange);
            } catch (HttpFailure f) {
                if (exchange == null || !exchange.responded()) {
                    answerError(out, deadline, f);
                }
            }
            if (exchange != null && exchange.unread() > 0) {
                deadline.after(DRAIN_NANOS);
                try {
                    socket.shutdownOutput();
                } catch (UnsupportedOperationException e) {
                    // TLS without half-close: the client has the answer's length anyway
                }
                exchange.drain(DRAIN_LIMIT);
            }
            deadline.after(limits.responseTimeout().toNanos());
            socket.close();
        } catch (IOException e) {
            // the client went away, or a deadline closed the socket: nothing to answer
        } finally {
            deadline.cancel();
        }
    }

    private void handle(Exchange exchange) throws IOException {
        try {
            handler.handle(exchange);
        } catch (RuntimeException e) {
            if (!exchange.responded()) {
                exchange.respond(500, ERROR_TYPE, errors.render("internal", "internal error"));
            }
            return;
        }
        if (!exchange.responded()) {
            exchange.respond(500, ERROR_TYPE, errors.render("internal", "the request was not answered"));
        }
    }

    private void answerError(OutputStream out, Deadline deadline, HttpFailure f) throws IOException {
        deadline.after(limits.responseTimeout().toNanos());
        Exchange.write(out, f.status(), ERROR_TYPE, Map.of(), errors.render(f.code(), f.getMessage()));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // gone already
        }
    }
}
