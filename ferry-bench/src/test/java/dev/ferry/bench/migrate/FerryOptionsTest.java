package dev.ferry.bench.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.Strategy;
import org.junit.jupiter.api.Test;

class FerryOptionsTest {

    @Test
    void withoutChangesTheDefaultsOfTheStrategy() {
        assertThat(FerryOptions.defaults(Strategy.HYBRID).build())
                .isEqualTo(MigrationOptions.defaults(Strategy.HYBRID));
    }

    @Test
    void replacesOnlyTheNamedComponents() {
        MigrationOptions d = MigrationOptions.defaults(Strategy.PRECOPY);
        MigrationOptions o = FerryOptions.defaults(Strategy.PRECOPY).with("maxDowntimeMillis", 10L)
                .with("order", PageOrder.FREQUENCY).with("delayHotThreshold", 0.5).build();
        assertThat(o.maxDowntimeMillis()).isEqualTo(10);
        assertThat(o.order()).isEqualTo(PageOrder.FREQUENCY);
        assertThat(o.delayHotThreshold()).isEqualTo(0.5);
        assertThat(o.maxRounds()).isEqualTo(d.maxRounds());
        assertThat(o.strategy()).isEqualTo(Strategy.PRECOPY);
        assertThat(o.skipRedirtied()).isEqualTo(d.skipRedirtied());
    }

    @Test
    void anUnknownComponentIsAnError() {
        assertThatThrownBy(() -> FerryOptions.defaults(Strategy.PRECOPY).with("maxDowntime", 10L).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDowntime");
    }

    @Test
    void aValueTheRecordRejectsKeepsItsMessage() {
        assertThatThrownBy(() -> FerryOptions.defaults(Strategy.PRECOPY).with("maxRounds", 0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--max-rounds");
    }
}
