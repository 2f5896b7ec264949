package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clones' RAM: a memory-file snapshot of the parent's, mapped privately by each clone. */
class RamSnapshotTest {

    private static final long BASE = 0x8000_0000L;

    @BeforeEach
    void linux() {
        assumeTrue(RamSnapshot.supported(), "memory files need Linux");
    }

    private static long addr(int page, int off) {
        return BASE + (long) page * PAGE_SIZE + off;
    }

    @Test
    void clonesSeeTheParentsPagesAndNotEachOthersWrites() {
        try (GuestMemory parent = new GuestMemory(BASE, 64L * PAGE_SIZE)) {
            parent.store64(addr(3, 8), 0x1111_2222_3333_4444L);
            parent.store64(addr(9, 0), 7);
            parent.store64(addr(10, 0), 0);
            RamSnapshot snap = RamSnapshot.of(parent);
            GuestMemory a = new GuestMemory(snap);
            GuestMemory b = new GuestMemory(snap);
            snap.close();
            try (a; b) {
                assertThat(snap.pagesCopied()).as("pages 3 and 9; page 10 was written with zeros").isEqualTo(2);
                assertThat(a.allocatedPages()).isEqualTo(2);
                assertThat(a.isAllocated(3)).isTrue();
                assertThat(a.isAllocated(10)).isFalse();
                assertThat(a.load64(addr(3, 8))).isEqualTo(0x1111_2222_3333_4444L);
                assertThat(b.load64(addr(9, 0))).isEqualTo(7);

                a.store64(addr(3, 8), 1);
                b.store64(addr(9, 0), 2);
                parent.store64(addr(3, 8), 3);
                a.store64(addr(20, 0), 4);

                assertThat(a.load64(addr(3, 8))).isEqualTo(1);
                assertThat(b.load64(addr(3, 8))).isEqualTo(0x1111_2222_3333_4444L);
                assertThat(parent.load64(addr(3, 8))).isEqualTo(3);
                assertThat(a.load64(addr(9, 0))).isEqualTo(7);
                assertThat(parent.load64(addr(9, 0))).isEqualTo(7);
                assertThat(b.load64(addr(20, 0))).isZero();
                assertThat(parent.load64(addr(20, 0))).isZero();
            }
        }
    }

    @Test
    void aDraftCompletedWithThePagesWrittenSinceIsTheGuestAtCompletion() {
        try (GuestMemory parent = new GuestMemory(BASE, 64L * PAGE_SIZE)) {
            parent.store64(addr(1, 0), 11);
            parent.store64(addr(2, 0), 22);
            parent.store64(addr(3, 0), 33);
            DirtyLog log = parent.claimDirtyLog("test");
            RamSnapshot.Draft draft = RamSnapshot.draft(parent);
            parent.store64(addr(2, 0), 222);
            parent.store64(addr(3, 0), 0);
            parent.store64(addr(4, 8), 44);
            RamSnapshot snap = draft.complete(log.harvest());
            log.close();
            draft.close();
            try (snap; GuestMemory clone = new GuestMemory(snap)) {
                assertThat(snap.pagesCopied()).as("pages 1, 2 and 4; page 3 is zero again").isEqualTo(3);
                assertThat(clone.load64(addr(1, 0))).isEqualTo(11);
                assertThat(clone.load64(addr(2, 0))).isEqualTo(222);
                assertThat(clone.load64(addr(3, 0))).isZero();
                assertThat(clone.isAllocated(3)).isFalse();
                assertThat(clone.load64(addr(4, 8))).isEqualTo(44);
            }
        }
    }

    @Test
    void aClonesDiscardedPagesReadAsZerosNotAsTheParents() {
        try (GuestMemory parent = new GuestMemory(BASE, 16L * PAGE_SIZE)) {
            parent.store64(addr(1, 0), 5);
            parent.store64(addr(2, 0), 6);
            GuestMemory clone;
            try (RamSnapshot snap = RamSnapshot.of(parent)) {
                clone = new GuestMemory(snap);
            }
            try (clone) {
                clone.store64(addr(2, 0), 9);
                clone.loadPage(1, new byte[PAGE_SIZE], 0);
                clone.markNotPresent(2);
                clone.supplyPage(2, null, 0);
                assertThat(clone.load64(addr(1, 0))).isZero();
                assertThat(clone.load64(addr(2, 0))).isZero();
                clone.store64(addr(5, 0), 1);
                clone.clear();
                assertThat(clone.load64(addr(5, 0))).isZero();
                assertThat(clone.allocatedPages()).isZero();
                assertThat(parent.load64(addr(1, 0))).isEqualTo(5);
            }
        }
    }

    @Test
    void tenClonesThatReadEveryPageHoldTheParentsDataOnce() throws Exception {
        assumeTrue(ProcessMemory.available(), "needs /proc/self/smaps_rollup");
        int pages = 8192;
        try (GuestMemory parent = new GuestMemory(BASE, (long) pages * PAGE_SIZE)) {
            for (int p = 0; p < pages; p++) {
                parent.store64(addr(p, 0), p + 1);
            }
            ProcessMemory before = ProcessMemory.now();
            List<GuestMemory> clones = new ArrayList<>();
            try (RamSnapshot snap = RamSnapshot.of(parent)) {
                for (int i = 0; i < 10; i++) {
                    clones.add(new GuestMemory(snap));
                }
            }
            try {
                long sum = 0;
                for (GuestMemory c : clones) {
                    for (int p = 0; p < pages; p++) {
                        sum += c.load64(addr(p, 0));
                    }
                }
                assertThat(sum).isEqualTo(10L * pages * (pages + 1) / 2);
                ProcessMemory grown = ProcessMemory.now().minus(before);
                long size = (long) pages * PAGE_SIZE;
                System.out.printf("10 clones of %d MiB of data, every page read: grew by %s%n", size >> 20, grown);
                assertThat(grown.rssBytes()).as("Rss counts the shared pages in every clone")
                        .isGreaterThan(5 * size);
                assertThat(grown.pssBytes()).as("Pss: the snapshot once, plus page tables and slack")
                        .isLessThan(2 * size);
            } finally {
                clones.forEach(GuestMemory::close);
            }
        }
    }
}
