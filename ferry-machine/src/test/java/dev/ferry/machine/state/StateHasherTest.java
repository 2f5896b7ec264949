package dev.ferry.machine.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.memory.GuestMemory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateHasherTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private static GuestMemory ram() {
        GuestMemory m = new GuestMemory(BASE, 64 * PAGE);
        m.store64(BASE + 3 * PAGE, 42);
        return m;
    }

    private static ComponentRoster state(long mtimecmp) {
        return FixedRoster.of(Map.of("clint", new ClintState(false, mtimecmp)));
    }

    @Test
    void hashIsHexSha256AndStable() {
        String h = StateHasher.hash(state(1), ram());
        assertThat(h).hasSize(64).matches("[0-9a-f]+");
        assertThat(StateHasher.hash(state(1), ram())).isEqualTo(h);
    }

    @Test
    void allocatedZeroPageHashesLikeAnUnwrittenOne() {
        GuestMemory a = ram();
        GuestMemory b = ram();
        b.store8(BASE + 7 * PAGE + 100, 0xff);
        b.store8(BASE + 7 * PAGE + 100, 0);
        assertThat(b.isAllocated(7)).isTrue();
        assertThat(StateHasher.hash(state(1), b)).isEqualTo(StateHasher.hash(state(1), a));
    }

    @Test
    void oneByteAnywhereChangesTheHash() {
        String h = StateHasher.hash(state(1), ram());
        GuestMemory m = ram();
        m.store8(BASE + 63L * PAGE + PAGE - 1, 1);
        assertThat(StateHasher.hash(state(1), m)).isNotEqualTo(h);
        GuestMemory moved = new GuestMemory(BASE, 64 * PAGE);
        moved.store64(BASE + 4 * PAGE, 42);
        assertThat(StateHasher.hash(state(1), moved)).isNotEqualTo(h);
    }

    @Test
    void componentValuesNamesAndRamGeometryCount() {
        String h = StateHasher.hash(state(1), ram());
        assertThat(StateHasher.hash(state(2), ram())).isNotEqualTo(h);
        assertThat(StateHasher.hash(FixedRoster.of(Map.of("clint2", new ClintState(false, 1))), ram()))
                .isNotEqualTo(h);
        assertThat(StateHasher.hash(FixedRoster.of(Map.of()), ram())).isNotEqualTo(h);
        GuestMemory bigger = new GuestMemory(BASE, 128 * PAGE);
        bigger.store64(BASE + 3 * PAGE, 42);
        assertThat(StateHasher.hash(state(1), bigger)).isNotEqualTo(h);
    }

    @Test
    void componentOrderDoesNotMatter() {
        Map<String, Record> ab = new LinkedHashMap<>();
        ab.put("a", new ClintState(true, 1));
        ab.put("b", new ClintState(false, 2));
        Map<String, Record> ba = new LinkedHashMap<>();
        ba.put("b", new ClintState(false, 2));
        ba.put("a", new ClintState(true, 1));
        assertThat(StateHasher.hash(FixedRoster.of(ab), ram()))
                .isEqualTo(StateHasher.hash(FixedRoster.of(ba), ram()));
    }

    @Test
    void hashesAGibibyteOfSparseRam() {
        GuestMemory gib = new GuestMemory(BASE, 1L << 30);
        for (int i = 0; i < 2048; i++) {
            gib.store64(BASE + (long) i * 128 * PAGE, i + 1);
        }
        long start = System.nanoTime();
        String h = StateHasher.hash(state(1), gib);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(h).hasSize(64);
        assertThat(millis).as("milliseconds to hash 1 GiB with 2048 pages").isLessThan(5_000);
    }
}
