package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.host.TestHosts.Answer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Addresses on the host's switch: what the API accepts and refuses. */
class NetworkApiTest {

    private static FerryHost host;

    @BeforeAll
    static void start() throws Exception {
        host = TestHosts.start("N");
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    @Test
    void aMacInUseOnTheSwitchIsRefusedWithAConflict() {
        Map<String, Object> first = Map.of("name", "n1", "image", "idle",
                "nics", List.of("switch,mac=52:54:00:aa:bb:01"));
        assertThat(postJson(host, "/v1/vms", first).status()).isEqualTo(201);
        Answer again = postJson(host, "/v1/vms", Map.of("name", "n2", "image", "idle",
                "nics", List.of("switch,mac=52:54:00:AA:BB:01")));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).contains("52:54:00:aa:bb:01", "in use");
        assertThat(get(host, "/v1/vms/n2").status()).isEqualTo(404);
        assertThat(get(host, "/v1/network").json().path("ports")).hasSize(1);
    }

    @Test
    void aDiskOrNicThatCannotBeAttachedIsABadRequestAndLeavesNothingBehind() {
        Answer nbd = postJson(host, "/v1/vms", Map.of("name", "n6", "image", "idle",
                "drives", List.of("nbd://127.0.0.1:1/nothing")));
        assertThat(nbd.status()).as(nbd.body()).isEqualTo(400);
        assertThat(nbd.json().path("error").asText()).startsWith("devices: ").contains("127.0.0.1:1");
        assertThat(get(host, "/v1/vms/n6").status()).isEqualTo(404);
        Answer again = postJson(host, "/v1/vms", Map.of("name", "n6", "image", "idle"));
        assertThat(again.status()).as("the name is free again").isEqualTo(201);
    }

    @Test
    void anAddressNeedsAKernelAndMustBeAUsableOne() {
        Answer bare = postJson(host, "/v1/vms", Map.of("name", "n3", "image", "idle", "ip", "10.77.0.5/24"));
        assertThat(bare.status()).isEqualTo(400);
        assertThat(bare.json().path("error").asText()).contains("ip:", "kernel");
        Answer broadcast = postJson(host, "/v1/vms", Map.of("name", "n4", "kernel", "none.img",
                "ip", "10.77.0.255/24"));
        assertThat(broadcast.status()).isEqualTo(400);
        assertThat(broadcast.json().path("error").asText()).contains("broadcast");
        Answer mac = postJson(host, "/v1/vms", Map.of("name", "n5", "image", "idle", "mac", "ff:ff:ff:ff:ff:ff"));
        assertThat(mac.status()).isEqualTo(400);
    }
}
