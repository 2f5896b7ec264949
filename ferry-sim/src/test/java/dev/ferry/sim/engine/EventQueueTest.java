package dev.ferry.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventQueueTest {

    @Test
    void runsEventsInTimeOrderAndTiesInScheduleOrder() {
        EventQueue q = new EventQueue();
        List<String> seen = new ArrayList<>();
        q.schedule(30, () -> seen.add("c@" + q.clock().nowMillis()));
        q.schedule(10, () -> seen.add("a@" + q.clock().nowMillis()));
        q.schedule(10, () -> seen.add("b@" + q.clock().nowMillis()));
        q.runUntil(100);
        assertThat(seen).containsExactly("a@10", "b@10", "c@30");
        assertThat(q.clock().nowMillis()).isEqualTo(100);
        assertThat(q.processed()).isEqualTo(3);
    }

    @Test
    void eventsScheduleLaterEventsThatRunInTheSamePass() {
        EventQueue q = new EventQueue();
        List<Long> seen = new ArrayList<>();
        q.schedule(5, () -> {
            seen.add(q.clock().nowMillis());
            q.scheduleIn(7, () -> seen.add(q.clock().nowMillis()));
            q.scheduleIn(0, () -> seen.add(-q.clock().nowMillis()));
        });
        q.runUntil(20);
        assertThat(seen).containsExactly(5L, -5L, 12L);
    }

    @Test
    void leavesLaterEventsQueuedAndRefusesThePast() {
        EventQueue q = new EventQueue();
        List<Long> seen = new ArrayList<>();
        q.schedule(50, () -> seen.add(50L));
        q.schedule(150, () -> seen.add(150L));
        q.runUntil(100);
        assertThat(seen).containsExactly(50L);
        assertThat(q.pending()).isEqualTo(1);
        assertThatThrownBy(() -> q.schedule(99, () -> { })).isInstanceOf(IllegalArgumentException.class);
        q.runUntil(200);
        assertThat(seen).containsExactly(50L, 150L);
        assertThat(q.clock().nowMillis()).isEqualTo(200);
    }
}
