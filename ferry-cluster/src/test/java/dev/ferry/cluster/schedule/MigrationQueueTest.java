package dev.ferry.cluster.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.cluster.model.Move;
import org.junit.jupiter.api.Test;

class MigrationQueueTest {

    private static Move move(String vm, String from, String to) {
        return new Move(vm, from, to, "test");
    }

    @Test
    void perHostLimitCountsSourcesAndTargets() {
        MigrationQueue q = new MigrationQueue(1, 5);
        Move a = move("a", "H1", "H2");
        Move b = move("b", "H3", "H1");
        Move c = move("c", "H3", "H4");
        Move d = move("d", "H5", "H6");
        q.offer(a);
        q.offer(b);
        q.offer(c);
        q.offer(d);
        assertThat(q.start()).containsExactly(a, c, d);
        assertThat(q.waiting()).containsExactly(b);
        assertThat(q.start()).isEmpty();
        assertThat(q.done(a)).isTrue();
        assertThat(q.start()).isEmpty();
        assertThat(q.done(c)).isTrue();
        assertThat(q.start()).containsExactly(b);
        assertThat(q.running()).containsExactly(d, b);
    }

    @Test
    void perLinkLimitCountsBothDirections() {
        MigrationQueue q = new MigrationQueue(10, 2);
        Move a = move("a", "H1", "H2");
        Move b = move("b", "H2", "H1");
        Move c = move("c", "H1", "H2");
        Move d = move("d", "H1", "H3");
        q.offer(a);
        q.offer(b);
        q.offer(c);
        q.offer(d);
        assertThat(q.start()).containsExactly(a, b, d);
        q.done(b);
        assertThat(q.start()).containsExactly(c);
    }

    @Test
    void firstComeFirstServedAndAVmQueuedOnce() {
        MigrationQueue q = new MigrationQueue(1, 1);
        Move a = move("a", "H1", "H2");
        Move b = move("b", "H1", "H3");
        Move c = move("c", "H2", "H1");
        assertThat(q.offer(a)).isTrue();
        assertThat(q.offer(b)).isTrue();
        assertThat(q.offer(c)).isTrue();
        assertThat(q.offer(move("a", "H1", "H9"))).isFalse();
        assertThat(q.start()).containsExactly(a);
        assertThat(q.offer(move("a", "H1", "H9"))).isFalse();
        q.done(a);
        assertThat(q.start()).containsExactly(b);
        q.done(b);
        assertThat(q.start()).containsExactly(c);
        assertThat(q.done(move("zz", "H1", "H2"))).isFalse();
        assertThatThrownBy(() -> new MigrationQueue(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
