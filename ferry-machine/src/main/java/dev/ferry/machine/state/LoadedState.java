package dev.ferry.machine.state;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.memory.ZeroPage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A state file that {@link MachineStateFile#read} has fully validated: the encoded component records (for a
 * machine's {@link ComponentRoster#check}), held in memory, and the non-zero RAM pages, which stay in the
 * read-only mapping of the file until they are applied. A file changed in place after it was read (Ferry never
 * does that: it replaces files by renaming) gives its new page contents, or an error if it was truncated.
 */
public final class LoadedState {

    private final Map<String, EncodedComponent> components;
    private final long ramBase;
    private final long ramSize;
    private final int[] pageIndices;
    private final MemorySegment pageRecords;

    LoadedState(Map<String, EncodedComponent> components, long ramBase, long ramSize, int[] pageIndices,
            MemorySegment pageRecords) {
        this.components = components;
        this.ramBase = ramBase;
        this.ramSize = ramSize;
        this.pageIndices = pageIndices;
        this.pageRecords = pageRecords;
    }

    /** Ids of the stored components, in file order (sorted). */
    public Set<String> componentNames() {
        return Collections.unmodifiableSet(components.keySet());
    }

    /** The stored components, encoded, in file order. */
    public List<EncodedComponent> components() {
        return List.copyOf(components.values());
    }

    /**
     * Decodes component {@code name} as a {@code type} record, without validating it against a machine.
     *
     * @throws StateFormatException if the file has no such component, it holds another record type or a
     *                              different layout of it, or its values are rejected by the record
     */
    public <R extends Record> R component(String name, Class<R> type) throws StateFormatException {
        EncodedComponent c = components.get(name);
        if (c == null) {
            throw new StateFormatException("state file has no '" + name + "' component");
        }
        return c.decode(type);
    }

    /** Guest-physical address of the saved RAM. */
    public long ramBase() {
        return ramBase;
    }

    /** Size of the saved RAM in bytes. */
    public long ramSize() {
        return ramSize;
    }

    /** Number of non-zero pages stored. */
    public int storedPages() {
        return pageIndices.length;
    }

    /**
     * Checks that the saved RAM fits {@code target}, changing nothing.
     *
     * @throws StateFormatException if {@code target} has another size or base address
     */
    public void checkMemory(GuestMemory target) throws StateFormatException {
        if (target.size() != ramSize) {
            throw new StateFormatException("state file is for " + describeSize(ramSize) + " of RAM, the machine has "
                    + describeSize(target.size()));
        }
        if (target.base() != ramBase) {
            throw new StateFormatException(String.format("state file has RAM at 0x%x, the machine at 0x%x",
                    ramBase, target.base()));
        }
    }

    /**
     * Replaces the contents of {@code target} with the saved RAM: clears it, then loads the stored pages.
     * vCPU stopped only.
     *
     * @throws StateFormatException if {@link #checkMemory} rejects {@code target} (nothing is changed then)
     */
    public void applyMemory(GuestMemory target) throws StateFormatException {
        checkMemory(target);
        target.clear();
        for (int i = 0; i < pageIndices.length; i++) {
            target.loadPage(pageIndices[i], page(i));
        }
    }

    /**
     * The {@link StateHasher} hash of the saved machine, computed from the stored bytes without decoding: equal
     * to the hash of the machine when it was saved, and of a machine the file was restored into.
     */
    public String stateHash() {
        SortedMap<String, byte[]> encoded = new TreeMap<>();
        components.forEach((name, c) -> encoded.put(name, c.data()));
        MessageDigest md = StateHasher.begin(encoded, ramBase, ramSize);
        byte[] buf = new byte[GuestMemory.PAGE_SIZE];
        for (int i = 0; i < pageIndices.length; i++) {
            MemorySegment page = page(i);
            if (!ZeroPage.isZero(page)) {
                MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, buf, 0, buf.length);
                StateHasher.page(md, pageIndices[i], buf, 0);
            }
        }
        return StateHasher.finish(md);
    }

    /** The bytes of the {@code i}-th stored page. */
    private MemorySegment page(int i) {
        return pageRecords.asSlice((long) i * MachineStateFile.PAGE_RECORD + 4, GuestMemory.PAGE_SIZE);
    }

    static String describeSize(long bytes) {
        if (bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes % 1024 == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
