package dev.ferry.migration.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.fuzz.FuzzProperty;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.transfer.PageApplier;
import dev.ferry.migration.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * PAGES payloads of arbitrary bytes applied to a small guest memory, before and after a post-copy switchover (with
 * some pages absent): {@link PageApplier#apply} installs pages or throws a {@link ProtocolException}, and never
 * writes outside the guest's RAM.
 */
class PageApplierFuzzTest {

    private static final int PAGES = 64;
    private static GuestMemory memory;
    private static PageApplier applier;

    @BeforeAll
    static void memory() {
        memory = new GuestMemory(0x8000_0000L, (long) PAGES * GuestMemory.PAGE_SIZE);
        applier = new PageApplier(memory);
    }

    @AfterAll
    static void release() {
        memory.close();
    }

    @FuzzTest(maxDuration = "3s")
    void pages(FuzzedDataProvider data) throws Exception {
        boolean postcopy = data.consumeBoolean();
        long absent = data.consumeLong();
        boolean direct = data.consumeBoolean();
        byte[] payload = data.consumeRemainingAsBytes();
        if (postcopy) {
            memory.markNotPresent(new long[] {absent});
        }
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(payload.length).put(payload).flip()
                : ByteBuffer.wrap(payload);
        FuzzProperty.holds(1L << 20, List.of(ProtocolException.class), () -> applier.apply(b, postcopy, page -> {
            if (page < 0 || page >= PAGES) {
                throw new AssertionError("installed page " + page + " outside RAM");
            }
        }));
    }
}
