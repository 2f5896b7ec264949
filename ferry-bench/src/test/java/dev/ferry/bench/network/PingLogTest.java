package dev.ferry.bench.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PingLogTest {

    private static final String PING = """
            PING 10.77.0.10 (10.77.0.10) 56(84) bytes of data.
            [1764680000.100000] 64 bytes from 10.77.0.10: icmp_seq=1 ttl=64 time=0.512 ms
            [1764680000.105100] 64 bytes from 10.77.0.10: icmp_seq=2 ttl=64 time=0.401 ms
            [1764680000.3701] 64 bytes from 10.77.0.10: icmp_seq=50 ttl=64 time=1.20 ms
            [1764680000.375000] 64 bytes from 10.77.0.10: icmp_seq=51 ttl=64 time=0.388 ms

            --- 10.77.0.10 ping statistics ---
            51 packets transmitted, 4 received, 92.1569% packet loss, time 2000ms
            rtt min/avg/max/mdev = 0.388/0.625/1.200/0.321 ms
            """;

    @Test
    void readsReplyStampsAndTheSummary() {
        PingLog p = PingLog.parse(PING);
        assertThat(p.replyMicros()).containsExactly(1764680000_100000L, 1764680000_105100L, 1764680000_370100L,
                1764680000_375000L);
        assertThat(p.transmitted()).isEqualTo(51);
        assertThat(p.received()).isEqualTo(4);
    }

    @Test
    void theLongestGapIsBetweenConsecutiveReplies() {
        PingLog.Gap gap = PingLog.parse(PING).longestGap();
        assertThat(gap.fromMicros()).isEqualTo(1764680000_105100L);
        assertThat(gap.lengthMs()).isEqualTo(265.0);
    }

    @Test
    void aGapAcrossASpanMustOverlapIt() {
        PingLog p = PingLog.parse(PING);
        assertThat(p.longestGap(1764680000_371000L, 1764680000_380000L).lengthMs()).isEqualTo(4.9);
        assertThat(p.longestGap(1764680000_100000L, 1764680000_101000L).lengthMs()).isEqualTo(5.1);
        assertThat(p.longestGap(1764680001_000000L, 1764680002_000000L)).isNull();
    }

    @Test
    void withoutRepliesThereIsNoGapAndWithoutSummaryNoCounts() {
        PingLog p = PingLog.parse("PING 10.77.0.10 (10.77.0.10) 56(84) bytes of data.\n");
        assertThat(p.longestGap()).isNull();
        assertThat(p.transmitted()).isEqualTo(-1);
    }
}
