package dev.ferry.storage.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NbdReconnectPolicyTest {

    @Test
    void firstAttemptIsAlwaysAllowed() {
        NbdReconnectPolicy p = new NbdReconnectPolicy(1_000);
        assertThat(p.mayConnect(Long.MIN_VALUE)).isTrue();
        assertThat(p.waitNanos(5)).isZero();
    }

    @Test
    void aFailureHoldsAttemptsBackForTheBackoff() {
        NbdReconnectPolicy p = new NbdReconnectPolicy(1_000);
        p.failed(10_000);
        assertThat(p.mayConnect(10_500)).isFalse();
        assertThat(p.waitNanos(10_500)).isEqualTo(500);
        assertThat(p.mayConnect(11_000)).isTrue();
        p.failed(11_000);
        assertThat(p.mayConnect(11_999)).isFalse();
    }

    @Test
    void successClearsTheBackoff() {
        NbdReconnectPolicy p = new NbdReconnectPolicy(1_000);
        p.failed(0);
        p.connected();
        assertThat(p.mayConnect(1)).isTrue();
    }

    @Test
    void clockWrapIsHarmless() {
        NbdReconnectPolicy p = new NbdReconnectPolicy(1_000);
        p.failed(Long.MAX_VALUE - 100);
        assertThat(p.mayConnect(Long.MAX_VALUE)).isFalse();
        assertThat(p.mayConnect(Long.MIN_VALUE + 900)).isTrue();
    }
}
