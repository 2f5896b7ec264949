package dev.ferry.storage.nbd;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.function.LongSupplier;

/**
 * A virtual disk on an NBD export: the shared network storage both hosts of a migration reach, so only memory
 * moves. Each call is one or more NBD requests on one connection, sent one at a time and completed before the call
 * returns; requests larger than the server's limit are split. {@link #flush()} sends NBD_CMD_FLUSH when the server
 * advertises it (then the data is on stable storage); a server that does not advertise it has no volatile cache to
 * flush. {@link #writeZeroes} uses NBD_CMD_WRITE_ZEROES when advertised and plain writes otherwise; zeroing and
 * trimming are split like writes, since some servers hold every request to their maximum payload.
 *
 * <p>Reconnection: when the connection drops (EOF, reset) during a request, the backend connects again once and
 * re-sends that request: every request it sends is idempotent (a read, a write of the same bytes, a flush, a
 * zeroing, a trim). A request that hits its deadline or a server that breaks the protocol is not re-sent: it fails,
 * and the next request connects again. While the server cannot be reached, requests fail at once with an
 * {@link IOException} and a new attempt is made after the back-off of {@link NbdOptions#reconnectBackoff()}, so
 * I/O resumes by itself when the server returns. If a connection drops while it holds writes the server
 * acknowledged but was not asked to flush, the server may have lost them (a crash loses its cache): the next
 * {@link #flush()} flushes the new connection and then fails once, so the guest learns that its data may be gone,
 * as {@code fsync} reports lost write-back. A reconnect to an export of another size fails.
 *
 * <p>Calls are serialised; virtio-blk makes them on the vCPU thread.
 */
public final class NbdBackend implements BlockBackend {

    private final NbdAddress address;
    private final NbdOptions options;
    private final LongSupplier clock;
    private final NbdReconnectPolicy policy;
    private final long size;
    private final boolean readOnly;
    private NbdExport export;
    private NbdConnection connection;
    private boolean unflushed;
    private boolean unflushedLost;
    private boolean closed;
    private int reconnects;
    private String lastFailure = "";

    private NbdBackend(NbdAddress address, NbdOptions options, LongSupplier clock, NbdConnection first,
                       boolean readOnly) {
        this.address = address;
        this.options = options;
        this.clock = clock;
        this.policy = new NbdReconnectPolicy(options.reconnectBackoff().toNanos());
        this.connection = first;
        this.export = first.export();
        this.size = export.size();
        this.readOnly = readOnly || export.readOnly();
    }

    /** Opens {@code address} with {@link NbdOptions#DEFAULT}; see {@link #open(NbdAddress, boolean, NbdOptions)}. */
    public static NbdBackend open(NbdAddress address, boolean readOnly) throws BlockBackendException {
        return open(address, readOnly, NbdOptions.DEFAULT);
    }

    /**
     * Connects to the export and negotiates it. The disk is read-only if {@code readOnly} or if the server exports
     * it read-only.
     *
     * @throws BlockBackendException with a one-line message naming the export if the server cannot be reached in
     *                               time, refuses the export, breaks the protocol or offers a size that is not
     *                               whole sectors
     */
    public static NbdBackend open(NbdAddress address, boolean readOnly, NbdOptions options)
            throws BlockBackendException {
        return open(address, readOnly, options, System::nanoTime);
    }

    static NbdBackend open(NbdAddress address, boolean readOnly, NbdOptions options, LongSupplier clock)
            throws BlockBackendException {
        try {
            return new NbdBackend(address, options, clock, NbdConnection.open(address, options, clock), readOnly);
        } catch (BlockBackendException e) {
            throw e;
        } catch (IOException e) {
            throw new BlockBackendException(e.getMessage());
        }
    }

    /** The export this disk is on. */
    public NbdAddress address() {
        return address;
    }

    /** How many times the connection was established again after it dropped. */
    public synchronized int reconnects() {
        return reconnects;
    }

    /** Whether the current connection's replies come structured (what the handshake agreed on). */
    synchronized boolean structuredReplies() {
        return export.structured();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public synchronized void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        checkRange(offset, len);
        int max = export.maxPayload();
        for (int done = 0; done < len; ) {
            int n = Math.min(max, len - done);
            long at = offset + done;
            int into = dstOff + done;
            call(c -> c.read(at, dst, into, n));
            done += n;
        }
    }

    @Override
    public synchronized void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        write(offset, src, srcOff, len, false);
    }

    /**
     * Writes and makes the bytes durable before returning: NBD_CMD_WRITE with FUA when the server takes it, else a
     * write followed by a flush.
     */
    public synchronized void writeDurable(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (export.canFua()) {
            write(offset, src, srcOff, len, true);
        } else {
            write(offset, src, srcOff, len, false);
            flush();
        }
    }

    private void write(long offset, byte[] src, int srcOff, int len, boolean fua) throws IOException {
        checkWritable();
        checkRange(offset, len);
        int max = export.maxPayload();
        for (int done = 0; done < len; ) {
            int n = Math.min(max, len - done);
            long at = offset + done;
            int from = srcOff + done;
            call(c -> c.write(at, src, from, n, fua));
            unflushed |= !fua;
            done += n;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (readOnly) {
            return;
        }
        if (export.canFlush()) {
            call(NbdConnection::flush);
        }
        unflushed = false;
        if (unflushedLost) {
            unflushedLost = false;
            throw new IOException(describe() + ": the connection dropped while holding writes not yet flushed;"
                    + " the server may have lost them");
        }
    }

    @Override
    public synchronized void writeZeroes(long offset, long len) throws IOException {
        checkWritable();
        checkRange(offset, len);
        if (!export.canWriteZeroes()) {
            BlockBackend.super.writeZeroes(offset, len);
            return;
        }
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(export.maxPayload(), len - done);
            long at = offset + done;
            call(c -> c.writeZeroes(at, n));
            unflushed = true;
            done += n;
        }
    }

    /**
     * Tells the server the range is no longer needed (NBD_CMD_TRIM) when it advertises trimming; otherwise does
     * nothing. Reads of a trimmed range may return anything until it is written again.
     */
    public synchronized void trim(long offset, long len) throws IOException {
        checkWritable();
        checkRange(offset, len);
        if (!export.canTrim()) {
            return;
        }
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(export.maxPayload(), len - done);
            long at = offset + done;
            call(c -> c.trim(at, n));
            unflushed = true;
            done += n;
        }
    }

    /** Ends the session with NBD_CMD_DISC and closes the connection. */
    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    @FunctionalInterface
    private interface Request {
        void send(NbdConnection c) throws IOException;
    }

    private void call(Request request) throws IOException {
        NbdConnection c = connection();
        try {
            request.send(c);
            return;
        } catch (NbdCommandException e) {
            throw e;
        } catch (NbdProtocolException | InterruptedIOException e) {
            drop(e);
            throw e;
        } catch (IOException e) {
            drop(e);
        }
        NbdConnection again = connect();
        try {
            request.send(again);
        } catch (NbdCommandException e) {
            throw e;
        } catch (IOException e) {
            drop(e);
            throw e;
        }
    }

    private NbdConnection connection() throws IOException {
        if (closed) {
            throw new IOException(describe() + " is closed");
        }
        if (connection != null) {
            return connection;
        }
        long now = clock.getAsLong();
        if (!policy.mayConnect(now)) {
            throw new IOException(describe() + " is unreachable (" + lastFailure + "); next attempt in "
                    + Math.max(1, policy.waitNanos(now) / 1_000_000) + " ms");
        }
        return connect();
    }

    private NbdConnection connect() throws IOException {
        long start = clock.getAsLong();
        NbdConnection c;
        try {
            c = NbdConnection.open(address, options, clock);
        } catch (IOException e) {
            policy.failed(start);
            lastFailure = e.getMessage();
            throw e;
        }
        NbdExport now = c.export();
        if (now.size() != size || (now.readOnly() && !readOnly)) {
            c.close();
            policy.failed(start);
            lastFailure = "the export changed: " + now.size() + " bytes" + (now.readOnly() ? ", read-only" : "")
                    + " instead of " + size;
            throw new IOException(describe() + ": " + lastFailure);
        }
        policy.connected();
        connection = c;
        export = now;
        reconnects++;
        return c;
    }

    private void drop(IOException cause) {
        lastFailure = cause.getMessage();
        if (connection != null) {
            connection.close();
            connection = null;
        }
        if (unflushed && !readOnly) {
            unflushedLost = true;
            unflushed = false;
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException(describe() + " is read-only");
        }
    }

    private void checkRange(long offset, long len) throws IOException {
        if (offset < 0 || len < 0 || offset > size - len) {
            throw new IOException(describe() + ": " + len + " bytes at " + offset + " lie outside the "
                    + size + "-byte disk");
        }
    }

    private String describe() {
        return "NBD disk " + address;
    }
}
