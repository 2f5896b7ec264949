package dev.ferry.bench.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.bench.migrate.MigrationCase.FerryVariant;
import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaseCatalogTest {

    private static CaseCatalog catalog(Map<String, String> caseArgs) {
        return new CaseCatalog(new CaseCatalog.Settings(10, 4, 0, caseArgs, StallAction.THROTTLE,
                List.of("idle", "munch"), List.of("256M", "1G"), CaseCatalog.STRATEGIES, "touch=64M sleep=0",
                "wss=64M rate=max passes=0"));
    }

    private static MigrationCase only(String name) {
        List<MigrationCase> cases = catalog(Map.of()).select(List.of(name));
        assertThat(cases).hasSize(1);
        return cases.get(0);
    }

    @Test
    void idleGuestOfTheIssueAtTheSameDowntimeLimitOnBothEngines() {
        MigrationCase c = only(CaseCatalog.IDLE);
        assertThat(c.workload().ramBytes()).isEqualTo(1L << 30);
        assertThat(c.workload().touchedBytes()).isEqualTo(192L << 20);
        assertThat(c.ferry()).singleElement().satisfies(v -> {
            assertThat(v.options().strategy()).isEqualTo(Strategy.PRECOPY);
            assertThat(v.options().maxDowntimeMillis()).isEqualTo(10);
        });
        assertThat(c.qemu()).isEqualTo(new MigrationCase.QemuPlan("precopy", 10));
    }

    @Test
    void switchoverCasesUseTheIdleGuest() {
        assertThat(only(CaseCatalog.IDLE_POSTCOPY).ferry().get(0).options().strategy()).isEqualTo(Strategy.POSTCOPY);
        assertThat(only(CaseCatalog.IDLE_HYBRID).qemu().strategy()).isEqualTo("hybrid");
        assertThat(only(CaseCatalog.IDLE_HYBRID).workload().args()).isEqualTo(CaseCatalog.IDLE_ARGS);
    }

    @Test
    void rateLimitedMunchAtEqualDowntimeLimits() {
        MigrationCase c = only(CaseCatalog.MUNCH_RATED);
        assertThat(c.workload().args()).contains("rate=20000");
        assertThat(c.ferry().get(0).options().maxDowntimeMillis()).isEqualTo(c.qemu().downtimeLimitMs());
    }

    @Test
    void skewedComparesOrdersAtEqualRoundsOnFerryOnly() {
        MigrationCase c = only(CaseCatalog.SKEWED);
        assertThat(c.qemu()).isNull();
        assertThat(c.workload().args()).contains("hot=").contains("hotx=");
        assertThat(c.ferry()).extracting(FerryVariant::label).containsExactly("sequential", "frequency+delay-hot");
        FerryVariant sequential = c.ferry().get(0);
        FerryVariant frequency = c.ferry().get(1);
        assertThat(sequential.options().maxRounds()).isEqualTo(4).isEqualTo(frequency.options().maxRounds());
        assertThat(sequential.options().order()).isEqualTo(PageOrder.SEQUENTIAL);
        assertThat(sequential.options().delayHotThreshold()).isZero();
        assertThat(frequency.options().order()).isEqualTo(PageOrder.FREQUENCY);
        assertThat(frequency.options().delayHotThreshold()).isEqualTo(0.5);
    }

    @Test
    void encryptedCaseComparesPlainAndAesGcmOnTheIdleGuestOnFerryOnly() {
        MigrationCase c = only(CaseCatalog.IDLE_ENCRYPTED);
        assertThat(c.qemu()).isNull();
        assertThat(c.workload().touchedBytes()).isEqualTo(192L << 20);
        assertThat(c.ferry()).extracting(FerryVariant::label).containsExactly("precopy", "precopy+aes-gcm");
        assertThat(c.ferry()).extracting(FerryVariant::encryption).containsExactly(EncryptionPolicy.DEFAULT,
                EncryptionPolicy.of(EncryptionMode.ALWAYS));
        assertThat(c.ferry().get(0).options()).isEqualTo(c.ferry().get(1).options());
    }

    @Test
    void caseArgsReplaceANamedCasesBootArguments() {
        MigrationCase c = catalog(Map.of("skewed", "wss=8M hot=1M passes=0")).select(List.of("skewed")).get(0);
        assertThat(c.workload().args()).isEqualTo("wss=8M hot=1M passes=0");
        assertThat(c.workload().touchedBytes()).isEqualTo(8L << 20);
    }

    @Test
    void matrixIsTheCrossProductWithAidsForMunchPrecopy() {
        List<MigrationCase> cases = catalog(Map.of()).select(List.of(CaseCatalog.MATRIX));
        assertThat(cases).hasSize(2 * 2 * 4);
        MigrationCase munchPrecopy = cases.stream().filter(c -> c.name().equals("munch-256M-precopy")).findFirst()
                .orElseThrow();
        assertThat(munchPrecopy.ferry()).extracting(FerryVariant::label).containsExactly("precopy", "precopy+aids");
        assertThat(munchPrecopy.ferry().get(1).options().autoConverge()).isTrue();
        assertThat(cases.stream().filter(c -> c.name().startsWith("idle")).mapToInt(c -> c.ferry().size()).max())
                .hasValue(1);
    }

    @Test
    void unknownNamesAreErrors() {
        assertThatThrownBy(() -> catalog(Map.of()).select(List.of("idle-2g"))).isInstanceOf(
                IllegalArgumentException.class).hasMessageContaining("idle-2g").hasMessageContaining("idle-1g");
        assertThatThrownBy(() -> catalog(Map.of("nope", "x=1"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }
}
