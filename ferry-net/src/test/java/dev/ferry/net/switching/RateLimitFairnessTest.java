package dev.ferry.net.switching;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.B;
import static dev.ferry.net.Frames.C;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.Frames.FakeClock;
import dev.ferry.net.Frames.Recorder;
import org.junit.jupiter.api.Test;

/** A guest flooding its port is held to its limit; a well-behaved guest sending at the same time loses nothing. */
class RateLimitFairnessTest {

    @Test
    void aFloodingPortDoesNotStarveASecondPort() {
        FakeClock clock = new FakeClock();
        LearningSwitch sw = new LearningSwitch(clock, 300_000_000_000L);
        RateLimit limit = new RateLimit(1000, 1_000_000, 100, 100_000);
        Recorder toC = new Recorder();
        SwitchPort flooder = sw.addVmPort("a", A, limit, new Recorder());
        SwitchPort quiet = sw.addVmPort("b", B, limit, new Recorder());
        SwitchPort c = sw.addVmPort("c", C, limit, toC);
        byte[] learnC = frame(A, C);
        sw.receive(c, learnC, 0, learnC.length);

        byte[] flood = frame(C, A, 500, 1);
        byte[] polite = frame(C, B, 500, 2);
        int politeSent = 0;
        for (int ms = 0; ms < 1000; ms++) {
            for (int i = 0; i < 100; i++) {
                sw.receive(flooder, flood, 0, flood.length);
                clock.advanceNanos(10_000);
            }
            if (ms % 10 == 0) {
                sw.receive(quiet, polite, 0, polite.length);
                politeSent++;
            }
        }
        long fromQuiet = toC.frames().stream().filter(f -> f[11] == B.octets()[5]).count();
        long fromFlooder = toC.frames().stream().filter(f -> f[11] == A.octets()[5]).count();
        assertThat(fromQuiet).as("every frame of the quiet port arrives").isEqualTo(politeSent);
        assertThat(quiet.totals().rateLimited()).isZero();
        assertThat(fromFlooder).as("burst plus one second at 1000 frames/s").isBetween(1000L, 1100L);
        assertThat(flooder.totals().rateLimited()).isEqualTo(100_000 - fromFlooder);
    }
}
