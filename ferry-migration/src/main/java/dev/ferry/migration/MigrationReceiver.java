package dev.ferry.migration;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The migration endpoint of a target host: accepts authenticated connections from source hosts, builds the
 * incoming VM, and hands it to the host once it runs here.
 */
public final class MigrationReceiver implements AutoCloseable {

    /**
     * Starts listening.
     *
     * @param listen  address to bind (port 0 = any free port)
     * @param secret  the shared secret both hosts authenticate with
     * @param handler the host's side of taking in a VM
     */
    public MigrationReceiver(InetSocketAddress listen, byte[] secret, IncomingVmHandler handler) throws IOException {
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** The bound address sources connect to. */
    public InetSocketAddress endpoint() {
        throw new UnsupportedOperationException("migration engine not built yet");
    }

    /** Stops accepting; migrations in flight fail (pre-copy VMs stay on their sources). */
    @Override
    public void close() {
        throw new UnsupportedOperationException("migration engine not built yet");
    }
}
