package dev.ferry.host.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import org.junit.jupiter.api.Test;

class MigrateRequestTest {

    private static MigrateRequest read(String json, Class<MigrateRequest> type) throws Exception {
        return Json.readRequest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
    }

    @Test
    void absentFieldsTakeTheStrategyDefaults() throws Exception {
        MigrationOptions o = read("{\"to\":\"127.0.0.1:1\",\"strategy\":\"demand\"}", MigrateRequest.class)
                .toOptions();
        assertThat(o).isEqualTo(MigrationOptions.defaults(Strategy.DEMAND));
    }

    @Test
    void demandIdlePushIsTakenFromTheRequest() throws Exception {
        MigrationOptions o = read("{\"to\":\"127.0.0.1:1\",\"strategy\":\"demand\","
                + "\"demand_idle_push_ms\":250}", MigrateRequest.class).toOptions();
        assertThat(o.demandIdlePushMillis()).isEqualTo(250);
        assertThat(MigrationOptions.defaults(Strategy.DEMAND).demandIdlePushMillis()).isNotEqualTo(250);
    }

    @Test
    void anOutOfRangeDemandIdlePushIsRefused() throws Exception {
        MigrateRequest r = read("{\"to\":\"127.0.0.1:1\",\"strategy\":\"demand\","
                + "\"demand_idle_push_ms\":0}", MigrateRequest.class);
        assertThatThrownBy(r::toOptions).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--demand-idle-push must be between 1 ms and 1 hour");
    }
}
