package dev.ferry.storage.nbd;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted NBD server on a loopback port, for what real servers never do: wrong magics, huge lengths, foreign
 * cookies, silence. Each accepted connection runs the script with its index (0 for the first); the server stops
 * accepting after {@code connections} of them.
 * A connection is closed when its script returns.
 */
final class FakeNbdServer implements AutoCloseable {

    /** What the server does on one connection. */
    @FunctionalInterface
    interface Script {
        void run(int index, DataInputStream in, DataOutputStream out) throws IOException;
    }

    /** A transmission request as the client sent it. */
    record Request(int flags, int type, long cookie, long offset, int length, byte[] data) {
    }

    /** An option as the client sent it. */
    record Option(int option, byte[] data) {
    }

    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread thread;

    FakeNbdServer(int connections, Script script) throws IOException {
        listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        thread = Thread.ofPlatform().daemon().name("fake-nbd").start(() -> {
            for (int i = 0; i < connections; i++) {
                try {
                    Socket s = listener.accept();
                    sockets.add(s);
                    script.run(i, new DataInputStream(new BufferedInputStream(s.getInputStream())),
                            new DataOutputStream(s.getOutputStream()));
                    s.getOutputStream().flush();
                    s.close();
                } catch (IOException ended) {
                    if (listener.isClosed()) {
                        return;
                    }
                }
            }
        });
    }

    NbdAddress address(String export) {
        return NbdAddress.tcp("127.0.0.1", listener.getLocalPort(), export);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void greet(DataOutputStream out, int flags) throws IOException {
        out.writeLong(NbdWire.NBD_MAGIC);
        out.writeLong(NbdWire.IHAVEOPT);
        out.writeShort(flags);
        out.flush();
    }

    static Option readOption(DataInputStream in) throws IOException {
        if (in.readLong() != NbdWire.IHAVEOPT) {
            throw new IOException("client sent a bad option magic");
        }
        int option = in.readInt();
        int len = in.readInt();
        byte[] data = new byte[len];
        in.readFully(data);
        return new Option(option, data);
    }

    static void optionReply(DataOutputStream out, int option, int type, byte[] payload) throws IOException {
        out.writeLong(NbdWire.OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    static byte[] infoExport(long size, int flags) {
        return java.nio.ByteBuffer.allocate(12).putShort((short) NbdWire.INFO_EXPORT).putLong(size)
                .putShort((short) flags).array();
    }

    /** A fixed newstyle greeting and a successful NBD_OPT_GO (after NBD_OPT_STRUCTURED_REPLY when asked). */
    static void handshake(DataInputStream in, DataOutputStream out, long size, int flags) throws IOException {
        greet(out, NbdWire.FLAG_FIXED_NEWSTYLE | NbdWire.FLAG_NO_ZEROES);
        in.readInt();
        Option o = readOption(in);
        if (o.option() == NbdWire.OPT_STRUCTURED_REPLY) {
            optionReply(out, o.option(), NbdWire.REP_ACK, new byte[0]);
            o = readOption(in);
        }
        optionReply(out, o.option(), NbdWire.REP_INFO, infoExport(size, flags | NbdWire.TFLAG_HAS_FLAGS));
        optionReply(out, o.option(), NbdWire.REP_ACK, new byte[0]);
    }

    static Request readRequest(DataInputStream in) throws IOException {
        if (in.readInt() != NbdWire.REQUEST_MAGIC) {
            throw new IOException("client sent a bad request magic");
        }
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        long offset = in.readLong();
        int length = in.readInt();
        byte[] data = null;
        if (type == NbdWire.CMD_WRITE) {
            data = new byte[length];
            in.readFully(data);
        }
        return new Request(flags, type, cookie, offset, length, data);
    }

    static void simpleReply(DataOutputStream out, int error, long cookie, byte[] data) throws IOException {
        out.writeInt(NbdWire.SIMPLE_REPLY_MAGIC);
        out.writeInt(error);
        out.writeLong(cookie);
        if (data != null) {
            out.write(data);
        }
        out.flush();
    }

    static void chunk(DataOutputStream out, int flags, int type, long cookie, byte[] payload) throws IOException {
        out.writeInt(NbdWire.STRUCTURED_REPLY_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }
}
