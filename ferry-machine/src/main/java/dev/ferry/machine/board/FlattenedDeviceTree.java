package dev.ferry.machine.board;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a flattened device tree blob (DTB, version 17) the way firmware hands one to a kernel in {@code a1}.
 * Nodes are written in the order they are opened; properties are strings, 32-bit cells or raw bytes.
 */
public final class FlattenedDeviceTree {

    private static final int MAGIC = 0xd00dfeed;
    private static final int BEGIN_NODE = 1;
    private static final int END_NODE = 2;
    private static final int PROP = 3;
    private static final int END = 9;

    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new LinkedHashMap<>();
    private int depth;

    /** Opens a node; the root node's name is empty. */
    public FlattenedDeviceTree beginNode(String name) {
        token(BEGIN_NODE);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        struct.writeBytes(n);
        struct.write(0);
        pad();
        depth++;
        return this;
    }

    /** Closes the innermost open node. */
    public FlattenedDeviceTree endNode() {
        if (depth == 0) {
            throw new IllegalStateException("no open node");
        }
        token(END_NODE);
        depth--;
        return this;
    }

    /** A NUL-terminated string property. */
    public FlattenedDeviceTree property(String name, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[v.length + 1];
        System.arraycopy(v, 0, z, 0, v.length);
        return property(name, z);
    }

    /** A property of big-endian 32-bit cells. */
    public FlattenedDeviceTree cells(String name, long... cells) {
        ByteBuffer b = ByteBuffer.allocate(4 * cells.length);
        for (long c : cells) {
            b.putInt((int) c);
        }
        return property(name, b.array());
    }

    /** An empty (boolean) property. */
    public FlattenedDeviceTree flag(String name) {
        return property(name, new byte[0]);
    }

    /** A property with raw bytes. */
    public FlattenedDeviceTree property(String name, byte[] value) {
        token(PROP);
        ByteBuffer b = ByteBuffer.allocate(8);
        b.putInt(value.length).putInt(stringOffset(name));
        struct.writeBytes(b.array());
        struct.writeBytes(value);
        pad();
        return this;
    }

    /** The finished blob; every node must be closed. */
    public byte[] toBlob() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " node(s) still open");
        }
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(struct.toByteArray());
        s.writeBytes(ByteBuffer.allocate(4).putInt(END).array());
        byte[] structBytes = s.toByteArray();
        byte[] stringBytes = strings.toByteArray();
        int headerSize = 40;
        int rsvOff = headerSize;
        int rsvSize = 16;
        int structOff = rsvOff + rsvSize;
        int stringsOff = structOff + structBytes.length;
        int total = stringsOff + stringBytes.length;
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.BIG_ENDIAN);
        out.putInt(MAGIC).putInt(total).putInt(structOff).putInt(stringsOff).putInt(rsvOff)
                .putInt(17).putInt(16).putInt(0).putInt(stringBytes.length).putInt(structBytes.length);
        out.putLong(0).putLong(0);
        out.put(structBytes).put(stringBytes);
        return out.array();
    }

    private int stringOffset(String name) {
        return stringOffsets.computeIfAbsent(name, n -> {
            int off = strings.size();
            strings.writeBytes(n.getBytes(StandardCharsets.US_ASCII));
            strings.write(0);
            return off;
        });
    }

    private void token(int t) {
        struct.writeBytes(ByteBuffer.allocate(4).putInt(t).array());
    }

    private void pad() {
        while (struct.size() % 4 != 0) {
            struct.write(0);
        }
    }
}
