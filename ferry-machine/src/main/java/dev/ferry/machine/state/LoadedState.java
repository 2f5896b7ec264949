package dev.ferry.machine.state;

import dev.ferry.machine.memory.GuestMemory;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A state file that {@link MachineStateFile#read} has fully validated, held in memory: component records
 * (decoded on request, against the type the caller expects) and the non-zero RAM pages.
 */
public final class LoadedState {

    /** A component as stored: its record type, layout fingerprint and encoded bytes. */
    record Component(String typeName, long fingerprint, byte[] data) {
    }

    private final Map<String, Component> components;
    private final long ramBase;
    private final long ramSize;
    private final int[] pageIndices;
    private final byte[][] pages;

    LoadedState(Map<String, Component> components, long ramBase, long ramSize, int[] pageIndices, byte[][] pages) {
        this.components = components;
        this.ramBase = ramBase;
        this.ramSize = ramSize;
        this.pageIndices = pageIndices;
        this.pages = pages;
    }

    /** Names of the stored components, in file order (sorted by name). */
    public Set<String> componentNames() {
        return Collections.unmodifiableSet(components.keySet());
    }

    /**
     * Decodes component {@code name} as a {@code type} record.
     *
     * @throws StateFormatException if the file has no such component, it holds another record type or a
     *                              different layout of it, or its values are rejected by the record
     */
    public <R extends Record> R component(String name, Class<R> type) throws StateFormatException {
        Component c = components.get(name);
        if (c == null) {
            throw new StateFormatException("state file has no '" + name + "' component");
        }
        if (!c.typeName().equals(type.getName())) {
            throw new StateFormatException("component '" + name + "' in the state file is a " + c.typeName()
                    + ", not a " + type.getName());
        }
        if (c.fingerprint() != RecordCodec.fingerprint(type)) {
            throw new StateFormatException("component '" + name + "' was saved with a different layout of "
                    + type.getSimpleName() + " than this build has");
        }
        try {
            return RecordCodec.decode(c.data(), type);
        } catch (StateFormatException e) {
            throw new StateFormatException("component '" + name + "': " + e.getMessage(), e);
        }
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
     * Replaces the contents of {@code target} with the saved RAM: clears it, then loads the stored pages.
     * vCPU stopped only.
     *
     * @throws StateFormatException if {@code target} has another size or base address (nothing is changed)
     */
    public void applyMemory(GuestMemory target) throws StateFormatException {
        if (target.size() != ramSize) {
            throw new StateFormatException("state file is for " + describeSize(ramSize) + " of RAM, the machine has "
                    + describeSize(target.size()));
        }
        if (target.base() != ramBase) {
            throw new StateFormatException(String.format("state file has RAM at 0x%x, the machine at 0x%x",
                    ramBase, target.base()));
        }
        target.clear();
        for (int i = 0; i < pageIndices.length; i++) {
            target.loadPage(pageIndices[i], pages[i], 0);
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
        for (int i = 0; i < pageIndices.length; i++) {
            if (!GuestMemory.isZero(pages[i], 0)) {
                StateHasher.page(md, pageIndices[i], pages[i], 0);
            }
        }
        return StateHasher.finish(md);
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
