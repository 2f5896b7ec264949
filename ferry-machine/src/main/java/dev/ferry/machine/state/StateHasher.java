package dev.ferry.machine.state;

import dev.ferry.machine.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * SHA-256 of a machine's guest-visible state, to check that a restored or migrated machine is the same as
 * the original. The hashed byte stream is: the tag {@code "FERRYHASH1"}; the number of components; for each
 * component of the {@link ComponentRoster} in id order, its id and its {@link RecordCodec} bytes, each with a
 * 4-byte length; RAM base and size (8 bytes each); then, in increasing order, the 4-byte index and 4096 bytes of
 * every page whose content is not all zero. A page that was allocated but holds only zeros therefore hashes like one that was
 * never written, and only allocated pages are read, so hashing 1 GiB of mostly empty RAM is quick.
 *
 * <p>The memory and components must not change while hashing (vCPU stopped).
 */
public final class StateHasher {

    private static final byte[] TAG = "FERRYHASH1".getBytes(StandardCharsets.US_ASCII);

    private StateHasher() {
    }

    /** Lower-case hex SHA-256 of the current state of every component in {@code roster} and of {@code memory}. */
    public static String hash(ComponentRoster roster, GuestMemory memory) {
        SortedMap<String, byte[]> encoded = new TreeMap<>();
        for (EncodedComponent c : roster.encode()) {
            encoded.put(c.id(), c.data());
        }
        MessageDigest md = begin(encoded, memory.base(), memory.size());
        for (int page = 0; page < memory.pageCount(); page++) {
            if (!memory.isZeroPage(page)) {
                md.update(int32(page));
                md.update(memory.page(page).asByteBuffer());
            }
        }
        return finish(md);
    }

    /** Starts the digest with the tag, the encoded components in name order and the RAM geometry. */
    static MessageDigest begin(SortedMap<String, byte[]> encoded, long ramBase, long ramSize) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        md.update(TAG);
        md.update(int32(encoded.size()));
        for (Map.Entry<String, byte[]> e : encoded.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            md.update(int32(name.length));
            md.update(name);
            md.update(int32(e.getValue().length));
            md.update(e.getValue());
        }
        md.update(ByteBuffer.allocate(16).putLong(ramBase).putLong(ramSize).array());
        return md;
    }

    /** Adds one non-zero page; pages must come in increasing index order. */
    static void page(MessageDigest md, int index, byte[] bytes, int offset) {
        md.update(int32(index));
        md.update(bytes, offset, GuestMemory.PAGE_SIZE);
    }

    static String finish(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
