package dev.ferry.host.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.host.api.ApiException;
import dev.ferry.machine.board.NicConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The identity a VM started from a template gets, and template names. */
class TemplateLaunchTest {

    private static final String SOURCE_ARGS = "console=ttyS0 quiet ip=10.77.0.10:::255.255.255.0::eth0:off x=1";

    @Test
    void aColdBootDropsTheSourcesAddressAndTakesItsOwn() {
        assertThat(TemplateLaunch.coldBootArgs(SOURCE_ARGS, null, null)).isEqualTo("console=ttyS0 quiet x=1");
        assertThat(TemplateLaunch.coldBootArgs(SOURCE_ARGS, null, "ip=10.77.0.11:::255.255.255.0::eth0:off"))
                .isEqualTo("console=ttyS0 quiet x=1 ip=10.77.0.11:::255.255.255.0::eth0:off");
        assertThat(TemplateLaunch.coldBootArgs(SOURCE_ARGS, "console=ttyS0 y=2", null)).isEqualTo("console=ttyS0 y=2");
        assertThat(TemplateLaunch.coldBootArgs("", null, null)).isEmpty();
    }

    @Test
    void nicsKeepTheirBackEndsAndGetNewMacsUnlessResumed() {
        TemplateManifest m = new TemplateManifest(1, "t", "src", "A", "now", 1 << 21, false, "", false, false, true,
                new TemplateManifest.Boot(true, "kernel", null, null), List.of(),
                List.of(new TemplateManifest.Nic("switch", "52:54:00:00:00:01"),
                        new TemplateManifest.Nic("none", "52:54:00:00:00:02")), null);
        TemplateLaunch launch = new TemplateLaunch(Path.of("/t"), m);
        assertThat(launch.nics(false, i -> "52:54:00:aa:00:0" + i)).containsExactly(
                new NicConfig("52:54:00:aa:00:00", "switch"), new NicConfig("52:54:00:aa:00:01", "none"));
        assertThat(launch.nics(true, i -> "unused")).containsExactly(
                new NicConfig("52:54:00:00:00:01", "switch"), new NicConfig("52:54:00:00:00:02", "none"));
    }

    @Test
    void namesAreOnePlainDirectoryEntry() {
        assertThat(TemplateStore.checkName("base-1.2_x")).isEqualTo("base-1.2_x");
        for (String bad : new String[] {"..", "../x", "a/b", "a..b", ".x", "-x", "", " ", "a\\b", "x".repeat(64)}) {
            assertThatThrownBy(() -> TemplateStore.checkName(bad)).as(bad).isInstanceOf(ApiException.class)
                    .hasMessageContaining("name");
        }
    }
}
