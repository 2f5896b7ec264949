package dev.ferry.net.switching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long MS = 1_000_000L;

    @Test
    void passesTheBurstThenTheSustainedFrameRate() {
        TokenBucket b = new TokenBucket(new RateLimit(1000, 1L << 30, 10, 1L << 20), 0);
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            passed += b.admit(60, 0) ? 1 : 0;
        }
        assertThat(passed).as("burst").isEqualTo(10);
        assertThat(b.admit(60, 0)).isFalse();
        assertThat(b.admit(60, MS)).as("1 ms at 1000 frames/s refills one").isTrue();
        assertThat(b.admit(60, MS)).isFalse();
        passed = 0;
        for (long t = 2; t <= 1001; t++) {
            passed += b.admit(60, t * MS) ? 1 : 0;
            passed += b.admit(60, t * MS) ? 1 : 0;
        }
        assertThat(passed).as("one second of twice the rate").isEqualTo(1000);
    }

    @Test
    void limitsBytesToo() {
        TokenBucket b = new TokenBucket(new RateLimit(1_000_000, 100_000, 1000, 10_000), 0);
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            passed += b.admit(1000, 0) ? 1 : 0;
        }
        assertThat(passed).isEqualTo(10);
        assertThat(b.admit(1000, 5 * MS)).as("5 ms at 100 kB/s is 500 bytes").isFalse();
        assertThat(b.admit(400, 5 * MS)).isTrue();
        assertThat(b.admit(1000, 15 * MS)).isTrue();
    }

    @Test
    void refillsNoFurtherThanTheBurst() {
        TokenBucket b = new TokenBucket(new RateLimit(1000, 1L << 30, 5, 1L << 20), 0);
        int passed = 0;
        for (int i = 0; i < 20; i++) {
            passed += b.admit(60, 60_000 * MS) ? 1 : 0;
        }
        assertThat(passed).isEqualTo(5);
    }

    @Test
    void refusesImpossibleLimits() {
        assertThatThrownBy(() -> new RateLimit(0, 1, 1, 2000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimit(1, 1, 1, 1000)).isInstanceOf(IllegalArgumentException.class);
    }
}
