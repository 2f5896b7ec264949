package dev.ferry.migration.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionQueueTest {

    private final AtomicLong now = new AtomicLong();

    @Test
    void theFirstOnesGetSlotsTheRestWaitInOrder() {
        AdmissionQueue q = new AdmissionQueue(2, Long.MAX_VALUE, now::get);
        assertThat(q.offer("a")).isZero();
        assertThat(q.offer("b")).isZero();
        assertThat(q.offer("c")).isEqualTo(1);
        assertThat(q.offer("d")).isEqualTo(2);
        assertThat(q.offer("a")).as("asking again while holding a slot").isZero();
        assertThat(q.admitted()).containsExactly("a", "b");

        q.release("b");
        assertThat(q.admitWaiting()).containsExactly("c");
        assertThat(q.position("d")).isEqualTo(1);
        q.release("a");
        q.release("c");
        assertThat(q.admitWaiting()).containsExactly("d");
        assertThat(q.waiting()).isZero();
    }

    @Test
    void aFreeSlotGoesToTheOldestWaiterNotToWhoeverAsksFirst() {
        AdmissionQueue q = new AdmissionQueue(1, 10_000, now::get);
        assertThat(q.offer("a")).isZero();
        assertThat(q.offer("b")).isEqualTo(1);
        assertThat(q.offer("c")).isEqualTo(2);
        q.release("a");
        assertThat(q.offer("c")).as("c asks first, but b waits longer").isEqualTo(2);
        assertThat(q.offer("b")).isZero();
        assertThat(q.offer("c")).isEqualTo(1);
    }

    @Test
    void aWaiterThatStopsAskingLosesItsPlace() {
        AdmissionQueue q = new AdmissionQueue(1, 1000, now::get);
        q.offer("a");
        q.offer("gone");
        now.addAndGet(500);
        q.offer("b");
        assertThat(q.waiting()).isEqualTo(2);
        q.release("a");
        now.addAndGet(600);
        assertThat(q.waiting()).as("'gone' has not asked for 1,100 ns").isEqualTo(1);
        assertThat(q.offer("b")).isZero();
        assertThat(q.position("gone")).isZero();
    }

    @Test
    void aWaiterTakenOutOfTheQueueIsForgotten() {
        AdmissionQueue q = new AdmissionQueue(1, Long.MAX_VALUE, now::get);
        q.offer("a");
        q.offer("b");
        q.offer("c");
        q.release("b");
        assertThat(q.position("c")).isEqualTo(1);
        q.release("a");
        assertThat(q.admitWaiting()).containsExactly("c");
    }

    @Test
    void theLimitIsAtLeastOne() {
        assertThatThrownBy(() -> new AdmissionQueue(0, 1, now::get)).hasMessageContaining("at least 1");
    }
}
