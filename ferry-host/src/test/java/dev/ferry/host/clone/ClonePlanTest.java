package dev.ferry.host.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.VmAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who the clones will be: names, MACs and addresses, and the requests that are refused. */
class ClonePlanTest {

    private static final Optional<VmAddress> TEN = Optional.of(VmAddress.parse("10.77.0.10/24"));

    @Test
    void clonesAreNamedAfterThePrefixAndTakeTheAddressesAfterTheParents() {
        List<ClonePlan.Spec> specs = ClonePlan.plan("web", 3, null, TEN, null);
        assertThat(specs).extracting(ClonePlan.Spec::name).containsExactly("web-1", "web-2", "web-3");
        assertThat(specs).extracting(s -> s.address().toString())
                .containsExactly("10.77.0.11/24", "10.77.0.12/24", "10.77.0.13/24");
        assertThat(specs.getFirst().mac()).isEqualTo(HostNetwork.defaultMac("web-1"));
        assertThat(specs).extracting(ClonePlan.Spec::mac).doesNotHaveDuplicates();

        List<ClonePlan.Spec> named = ClonePlan.plan("web", 2, "api", Optional.empty(), null);
        assertThat(named).extracting(ClonePlan.Spec::name).containsExactly("api-1", "api-2");
        assertThat(named).extracting(ClonePlan.Spec::address).containsOnlyNulls();
    }

    @Test
    void givenAddressesAreUsedInOrder() {
        List<ClonePlan.Spec> specs = ClonePlan.plan("web", 2, null, TEN, List.of("10.77.0.50/24", "10.77.0.40/24"));
        assertThat(specs).extracting(s -> s.address().toString()).containsExactly("10.77.0.50/24", "10.77.0.40/24");
    }

    @Test
    void badRequestsAreRefusedWithTheField() {
        assertThatThrownBy(() -> ClonePlan.plan("web", 0, null, TEN, null)).hasMessageStartingWith("count:");
        assertThatThrownBy(() -> ClonePlan.plan("web", 65, null, TEN, null)).hasMessageStartingWith("count:");
        assertThatThrownBy(() -> ClonePlan.plan("web", 2, "a b", TEN, null)).hasMessageStartingWith("prefix:");
        assertThatThrownBy(() -> ClonePlan.plan("web", 2, null, TEN, List.of("10.77.0.50/24")))
                .hasMessageStartingWith("ips:");
        assertThatThrownBy(() -> ClonePlan.plan("web", 2, null, TEN, List.of("10.77.0.50/24", "10.77.0.50/24")))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> ClonePlan.plan("web", 1, null, TEN, List.of("10.77.0.10/24")))
                .as("the parent's own address").hasMessageContaining("given twice");
        assertThatThrownBy(() -> ClonePlan.plan("web", 1, null, Optional.empty(), List.of("10.77.0.50/24")))
                .hasMessageStartingWith("ips:");
        assertThatThrownBy(() -> ClonePlan.plan("web", 3, null, Optional.of(VmAddress.parse("10.77.0.252/24")),
                null)).as("past the broadcast address").hasMessageContaining("leaves the network");
    }
}
