package dev.ferry.storage.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One negotiated connection in the transmission phase: sends one request at a time and checks its reply
 * completely (magic, cookie, lengths, the byte ranges of structured chunks) before returning. After any
 * exception other than {@link NbdCommandException} the connection is {@link #broken()} and must be closed.
 */
final class NbdConnection implements AutoCloseable {

    /** Longest structured error chunk (errno, a message of at most 4096 bytes, an offset) Ferry accepts. */
    private static final int MAX_ERROR_CHUNK = 4 + 2 + 4096 + 8;

    private final NbdChannel channel;
    private final NbdExport export;
    private final long requestNanos;
    private final LongSupplier clock;
    private final ByteBuffer request = ByteBuffer.allocate(28);
    private final ByteBuffer replyHead = ByteBuffer.allocate(20);
    private long lastCookie;
    private boolean broken;

    private NbdConnection(NbdChannel channel, NbdExport export, long requestNanos, LongSupplier clock) {
        this.channel = channel;
        this.export = export;
        this.requestNanos = requestNanos;
        this.clock = clock;
    }

    /** Connects to {@code address} and negotiates its export within the connect deadline. */
    static NbdConnection open(NbdAddress address, NbdOptions options, LongSupplier clock) throws IOException {
        long deadline = clock.getAsLong() + options.connectTimeout().toNanos();
        NbdChannel ch;
        try {
            ch = NbdChannel.connect(address, deadline, clock);
        } catch (IOException e) {
            throw new IOException("NBD export '" + address.export() + "': cannot connect to " + where(address)
                    + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        try {
            NbdExport export = NbdHandshake.negotiate(ch, address.export(), options.structuredReplies(), deadline);
            return new NbdConnection(ch, export, options.requestTimeout().toNanos(), clock);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static String where(NbdAddress a) {
        return a.socket() != null ? a.socket().toString() : a.host() + ":" + a.port();
    }

    /** What the handshake agreed on. */
    NbdExport export() {
        return export;
    }

    /** True after a failure that leaves the stream in an unknown state. */
    boolean broken() {
        return broken;
    }

    /** NBD_CMD_READ of {@code len} bytes at {@code offset} into {@code dst}. */
    void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        run(NbdWire.CMD_READ, 0, offset, len, null, 0, dst, dstOff);
    }

    /** NBD_CMD_WRITE, with FUA when asked (the caller checks that the server takes it). */
    void write(long offset, byte[] src, int srcOff, int len, boolean fua) throws IOException {
        run(NbdWire.CMD_WRITE, fua ? NbdWire.CMD_FLAG_FUA : 0, offset, len, src, srcOff, null, 0);
    }

    /** NBD_CMD_FLUSH: every completed write is on stable storage when it returns. */
    void flush() throws IOException {
        run(NbdWire.CMD_FLUSH, 0, 0, 0, null, 0, null, 0);
    }

    /** NBD_CMD_TRIM of at most 2^32-1 bytes. */
    void trim(long offset, int len) throws IOException {
        run(NbdWire.CMD_TRIM, 0, offset, len, null, 0, null, 0);
    }

    /** NBD_CMD_WRITE_ZEROES of at most 2^32-1 bytes (the server may punch a hole). */
    void writeZeroes(long offset, int len) throws IOException {
        run(NbdWire.CMD_WRITE_ZEROES, 0, offset, len, null, 0, null, 0);
    }

    private void run(int type, int flags, long offset, int len, byte[] src, int srcOff, byte[] dst, int dstOff)
            throws IOException {
        if (broken) {
            throw new IOException("NBD connection to " + channel.peer() + " is broken");
        }
        boolean done = false;
        try {
            long deadline = clock.getAsLong() + requestNanos;
            long cookie = ++lastCookie;
            request.clear();
            request.putInt(NbdWire.REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(cookie)
                    .putLong(offset).putInt(len).flip();
            String what = "sending a " + NbdWire.commandName(type) + " request";
            channel.writeFully(request, deadline, what);
            if (src != null) {
                channel.writeFully(ByteBuffer.wrap(src, srcOff, len), deadline, what);
            }
            awaitReply(type, cookie, offset, len, dst, dstOff, deadline);
            done = true;
        } catch (NbdCommandException e) {
            done = true;
            throw e;
        } finally {
            if (!done) {
                broken = true;
            }
        }
    }

    private void awaitReply(int type, long cookie, long offset, int len, byte[] dst, int dstOff, long deadline)
            throws IOException {
        String what = "waiting for the reply to a " + NbdWire.commandName(type);
        replyHead.clear().limit(4);
        channel.readFully(replyHead, deadline, what);
        int magic = replyHead.getInt(0);
        if (magic == NbdWire.SIMPLE_REPLY_MAGIC) {
            replyHead.limit(16);
            channel.readFully(replyHead, deadline, what);
            int error = replyHead.getInt(4);
            checkCookie(replyHead.getLong(8), cookie, type);
            if (error != 0) {
                throw failed(type, offset, len, error, "");
            }
            if (dst != null) {
                channel.readFully(ByteBuffer.wrap(dst, dstOff, len), deadline, "receiving read data");
            }
            return;
        }
        if (magic == NbdWire.STRUCTURED_REPLY_MAGIC && export.structured()) {
            structuredReply(type, cookie, offset, len, dst, dstOff, deadline, what);
            return;
        }
        throw new NbdProtocolException("NBD server " + channel.peer() + " sent bad reply magic 0x"
                + Integer.toHexString(magic) + " to a " + NbdWire.commandName(type));
    }

    private void structuredReply(int type, long cookie, long offset, int len, byte[] dst, int dstOff, long deadline,
                                 String what) throws IOException {
        long covered = 0;
        int error = 0;
        String message = "";
        boolean first = true;
        while (true) {
            if (!first) {
                replyHead.clear().limit(4);
                channel.readFully(replyHead, deadline, what);
                if (replyHead.getInt(0) != NbdWire.STRUCTURED_REPLY_MAGIC) {
                    throw protocol("bad structured reply magic 0x" + Integer.toHexString(replyHead.getInt(0)), type);
                }
            }
            first = false;
            replyHead.limit(20);
            channel.readFully(replyHead, deadline, what);
            int flags = Short.toUnsignedInt(replyHead.getShort(4));
            int chunk = Short.toUnsignedInt(replyHead.getShort(6));
            checkCookie(replyHead.getLong(8), cookie, type);
            long length = Integer.toUnsignedLong(replyHead.getInt(16));
            if (chunk == NbdWire.CHUNK_NONE) {
                if (length != 0 || (flags & NbdWire.REPLY_FLAG_DONE) == 0) {
                    throw protocol("an NBD_REPLY_TYPE_NONE chunk must be empty and final", type);
                }
            } else if (chunk == NbdWire.CHUNK_OFFSET_DATA || chunk == NbdWire.CHUNK_OFFSET_HOLE) {
                if (dst == null) {
                    throw protocol("a data chunk answers a " + NbdWire.commandName(type), type);
                }
                boolean data = chunk == NbdWire.CHUNK_OFFSET_DATA;
                if (data ? length < 9 || length > 8L + len : length != 12) {
                    throw protocol("a " + (data ? "data" : "hole") + " chunk of " + length + " bytes", type);
                }
                ByteBuffer b = ByteBuffer.allocate(data ? 8 : 12);
                channel.readFully(b, deadline, what);
                long at = b.getLong(0);
                long n = data ? length - 8 : Integer.toUnsignedLong(b.getInt(8));
                if (at < offset || n == 0 || at - offset > len - n) {
                    throw protocol("a chunk for bytes " + at + "+" + n + " lies outside the request " + offset
                            + "+" + len, type);
                }
                int into = dstOff + (int) (at - offset);
                if (data) {
                    channel.readFully(ByteBuffer.wrap(dst, into, (int) n), deadline, "receiving read data");
                } else {
                    Arrays.fill(dst, into, into + (int) n, (byte) 0);
                }
                covered += n;
            } else if ((chunk & 0x8000) != 0) {
                if (length < 6 || length > MAX_ERROR_CHUNK) {
                    throw protocol("an error chunk of " + length + " bytes", type);
                }
                ByteBuffer b = ByteBuffer.allocate((int) length);
                channel.readFully(b, deadline, what);
                int errno = b.getInt(0);
                int msgLen = Short.toUnsignedInt(b.getShort(4));
                if (6L + msgLen > length || errno == 0) {
                    throw protocol("a malformed error chunk", type);
                }
                if (error == 0) {
                    error = errno;
                    message = NbdHandshake.oneLine(new String(b.array(), 6, Math.min(msgLen, 512),
                            StandardCharsets.UTF_8));
                }
            } else {
                throw protocol("unknown structured reply type " + chunk, type);
            }
            if ((flags & NbdWire.REPLY_FLAG_DONE) != 0) {
                break;
            }
        }
        if (error != 0) {
            throw failed(type, offset, len, error, message);
        }
        if (dst != null && covered != len) {
            throw protocol("the read reply covered " + covered + " of " + len + " bytes", type);
        }
    }

    private void checkCookie(long got, long expected, int type) throws NbdProtocolException {
        if (got != expected) {
            throw protocol("a reply for cookie " + Long.toUnsignedString(got) + " while cookie " + expected
                    + " was outstanding", type);
        }
    }

    private NbdProtocolException protocol(String what, int type) {
        return new NbdProtocolException("NBD server " + channel.peer() + " broke the protocol answering a "
                + NbdWire.commandName(type) + ": " + what);
    }

    private NbdCommandException failed(int type, long offset, int len, int errno, String message) {
        return new NbdCommandException("NBD export '" + export.name() + "' at " + channel.peer() + ": "
                + NbdWire.commandName(type) + (type == NbdWire.CMD_FLUSH ? "" : " of " + len + " bytes at " + offset)
                + " failed: " + NbdWire.errnoName(errno) + (message.isEmpty() ? "" : " (" + message + ")"), errno);
    }

    /** Sends NBD_CMD_DISC if the stream is sound (no reply comes) and closes the socket. */
    @Override
    public void close() {
        try {
            if (!broken) {
                request.clear();
                request.putInt(NbdWire.REQUEST_MAGIC).putShort((short) 0).putShort((short) NbdWire.CMD_DISC)
                        .putLong(++lastCookie).putLong(0).putInt(0).flip();
                channel.writeNow(request);
            }
        } catch (IOException ignored) {
            // the server is gone already: nothing to tell it
        } finally {
            broken = true;
            channel.close();
        }
    }
}
