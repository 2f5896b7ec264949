package dev.ferry.storage.nbd;

import dev.ferry.machine.device.block.BlockBackendException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client's half of the fixed newstyle handshake: flags, then optionally NBD_OPT_STRUCTURED_REPLY, then
 * NBD_OPT_GO for the export (asking for its block sizes), falling back to NBD_OPT_EXPORT_NAME when the server
 * does not know NBD_OPT_GO or is not fixed newstyle. Every failure is a one-line {@link BlockBackendException}
 * naming the export and the server; every length the server sends is bounded before anything is allocated.
 */
final class NbdHandshake {

    /** Longest option reply payload Ferry accepts (a string is at most 4096 bytes; info items are tiny). */
    static final int MAX_OPTION_REPLY = 64 * 1024;
    /** Largest request payload when the server names no maximum (the protocol's recommended limit). */
    static final int DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;
    private static final int SECTOR = 512;

    private final NbdChannel channel;
    private final String exportName;
    private final long deadline;
    private final String where;

    private NbdHandshake(NbdChannel channel, String exportName, long deadline) {
        this.channel = channel;
        this.exportName = exportName;
        this.deadline = deadline;
        this.where = "NBD export '" + exportName + "' at " + channel.peer() + ": ";
    }

    /** Negotiates {@code exportName} on a fresh connection by {@code deadline}. */
    static NbdExport negotiate(NbdChannel channel, String exportName, boolean structured, long deadline)
            throws IOException {
        NbdHandshake h = new NbdHandshake(channel, exportName, deadline);
        try {
            return h.run(structured);
        } catch (BlockBackendException e) {
            throw e;
        } catch (IOException e) {
            BlockBackendException f = h.fail("the handshake failed: " + e.getMessage());
            f.initCause(e);
            throw f;
        }
    }

    private NbdExport run(boolean askStructured) throws IOException {
        ByteBuffer hello = read(18, "reading the server's greeting");
        long magic = hello.getLong();
        long style = hello.getLong();
        if (magic != NbdWire.NBD_MAGIC) {
            throw fail("the server is not an NBD server (greeting starts 0x" + Long.toHexString(magic) + ")");
        }
        if (style == NbdWire.OLDSTYLE_MAGIC) {
            throw fail("the server speaks the oldstyle protocol, which has no export names; use newstyle");
        }
        if (style != NbdWire.IHAVEOPT) {
            throw fail("unknown handshake style 0x" + Long.toHexString(style));
        }
        int serverFlags = Short.toUnsignedInt(hello.getShort());
        boolean fixed = (serverFlags & NbdWire.FLAG_FIXED_NEWSTYLE) != 0;
        boolean noZeroes = (serverFlags & NbdWire.FLAG_NO_ZEROES) != 0;
        ByteBuffer clientFlags = ByteBuffer.allocate(4);
        clientFlags.putInt((fixed ? NbdWire.FLAG_C_FIXED_NEWSTYLE : 0) | (noZeroes ? NbdWire.FLAG_C_NO_ZEROES : 0));
        write(clientFlags.flip());
        if (!fixed) {
            return exportName(noZeroes, false);
        }
        boolean structured = askStructured && structuredReplies();
        NbdExport export = go(structured);
        return export != null ? export : exportName(noZeroes, structured);
    }

    private boolean structuredReplies() throws IOException {
        sendOption(NbdWire.OPT_STRUCTURED_REPLY, new byte[0]);
        while (true) {
            Reply r = reply(NbdWire.OPT_STRUCTURED_REPLY);
            if (r.type == NbdWire.REP_ACK) {
                return true;
            }
            if ((r.type & NbdWire.REP_FLAG_ERROR) != 0) {
                return false;
            }
        }
    }

    /** NBD_OPT_GO; null when the server does not support it and the old way should be tried. */
    private NbdExport go(boolean structured) throws IOException {
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2);
        data.putInt(name.length).put(name).putShort((short) 1).putShort((short) NbdWire.INFO_BLOCK_SIZE);
        sendOption(NbdWire.OPT_GO, data.array());
        long size = -1;
        int flags = 0;
        int maxPayload = DEFAULT_MAX_PAYLOAD;
        while (true) {
            Reply r = reply(NbdWire.OPT_GO);
            if (r.type == NbdWire.REP_ACK) {
                if (size < 0) {
                    throw fail("the server accepted the export without saying its size");
                }
                return export(size, flags, structured, maxPayload);
            }
            if (r.type == NbdWire.REP_ERR_UNSUP) {
                return null;
            }
            if ((r.type & NbdWire.REP_FLAG_ERROR) != 0) {
                String text = r.message();
                throw fail(NbdWire.optionErrorName(r.type) + (text.isEmpty() ? "" : ": " + text));
            }
            if (r.type != NbdWire.REP_INFO) {
                continue;
            }
            if (r.payload.remaining() < 2) {
                throw fail("an information reply of " + r.payload.remaining() + " bytes is too short");
            }
            int info = Short.toUnsignedInt(r.payload.getShort());
            if (info == NbdWire.INFO_EXPORT) {
                if (r.payload.remaining() != 10) {
                    throw fail("NBD_INFO_EXPORT has " + (r.payload.remaining() + 2) + " bytes, not 12");
                }
                size = r.payload.getLong();
                flags = Short.toUnsignedInt(r.payload.getShort());
                if (size < 0) {
                    throw fail("the export's size " + Long.toUnsignedString(size) + " is too large");
                }
            } else if (info == NbdWire.INFO_BLOCK_SIZE) {
                if (r.payload.remaining() != 12) {
                    throw fail("NBD_INFO_BLOCK_SIZE has " + (r.payload.remaining() + 2) + " bytes, not 14");
                }
                long min = Integer.toUnsignedLong(r.payload.getInt());
                r.payload.getInt();
                long max = Integer.toUnsignedLong(r.payload.getInt());
                if (min > SECTOR || Long.bitCount(min) != 1) {
                    throw fail("the server requires " + min + "-byte blocks; Ferry's disks use 512-byte sectors");
                }
                if (max < SECTOR) {
                    throw fail("the server's largest request of " + max + " bytes is below one sector");
                }
                maxPayload = (int) (Math.min(max, DEFAULT_MAX_PAYLOAD) / SECTOR * SECTOR);
            }
        }
    }

    private NbdExport exportName(boolean noZeroes, boolean structured) throws IOException {
        sendOption(NbdWire.OPT_EXPORT_NAME, exportName.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b;
        try {
            b = read(noZeroes ? 10 : 134, "reading the export's size");
        } catch (EOFException e) {
            throw fail("the server closed the connection: it has no such export or refused it");
        }
        long size = b.getLong();
        int flags = Short.toUnsignedInt(b.getShort());
        if (size < 0) {
            throw fail("the export's size " + Long.toUnsignedString(size) + " is too large");
        }
        return export(size, flags, structured, DEFAULT_MAX_PAYLOAD);
    }

    private NbdExport export(long size, int flags, boolean structured, int maxPayload) throws IOException {
        if (size % SECTOR != 0) {
            throw fail("the export has " + size + " bytes, which is not a multiple of 512");
        }
        if ((flags & NbdWire.TFLAG_HAS_FLAGS) == 0) {
            flags = 0;
        }
        return new NbdExport(exportName, size, flags, structured, maxPayload);
    }

    private void sendOption(int option, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length);
        b.putLong(NbdWire.IHAVEOPT).putInt(option).putInt(data.length).put(data);
        write(b.flip());
    }

    private Reply reply(int option) throws IOException {
        ByteBuffer h = read(20, "reading an option reply");
        long magic = h.getLong();
        int opt = h.getInt();
        int type = h.getInt();
        int len = h.getInt();
        if (magic != NbdWire.OPTION_REPLY_MAGIC) {
            throw fail("bad option reply magic 0x" + Long.toHexString(magic));
        }
        if (opt != option) {
            throw fail("the server answered option " + Integer.toUnsignedString(opt) + " instead of " + option);
        }
        if (len < 0 || len > MAX_OPTION_REPLY) {
            throw fail("an option reply of " + Integer.toUnsignedString(len) + " bytes is too long");
        }
        return new Reply(type, read(len, "reading an option reply"));
    }

    private ByteBuffer read(int n, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        channel.readFully(b, deadline, what + " of export '" + exportName + "'");
        return b.flip();
    }

    private void write(ByteBuffer b) throws IOException {
        channel.writeFully(b, deadline, "negotiating export '" + exportName + "'");
    }

    private BlockBackendException fail(String why) {
        return new BlockBackendException(where + why);
    }

    private record Reply(int type, ByteBuffer payload) {

        /** The error text an error reply carries, made one printable line and bounded. */
        String message() {
            byte[] b = new byte[Math.min(payload.remaining(), 512)];
            payload.get(b);
            return oneLine(new String(b, StandardCharsets.UTF_8));
        }
    }

    /** {@code s} with control characters replaced, for messages built from what a server sent. */
    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return sb.toString().strip();
    }
}
