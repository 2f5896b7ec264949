package dev.ferry.net.switching;

import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.frame.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Several senders at once, while a port comes and goes: nothing is lost or counted twice, nothing throws. */
class ConcurrentForwardingTest {

    @Test
    void countersAddUpUnderConcurrentSendersAndPortChurn() throws Exception {
        LearningSwitch sw = new LearningSwitch();
        RateLimit unlimited = new RateLimit(1L << 40, 1L << 50, 1L << 40, 1L << 50);
        MacAddress sink = MacAddress.parse("52:54:00:00:01:00");
        AtomicLong arrived = new AtomicLong();
        SwitchPort sinkPort = sw.addVmPort("sink", sink, unlimited, (f, off, len) -> {
            arrived.incrementAndGet();
            return true;
        });
        byte[] hello = frame(MacAddress.BROADCAST, sink);
        sw.receive(sinkPort, hello, 0, hello.length);

        int senders = 4;
        int frames = 20_000;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < senders; t++) {
            MacAddress mac = new MacAddress(0x525400000200L + t);
            SwitchPort p = sw.addVmPort("s" + t, mac, unlimited, (f, off, len) -> true);
            byte[] f = frame(sink, mac, 64, t);
            threads.add(Thread.ofPlatform().unstarted(() -> {
                for (int i = 0; i < frames; i++) {
                    sw.receive(p, f, 0, f.length);
                }
            }));
        }
        threads.add(Thread.ofPlatform().unstarted(() -> {
            for (int i = 0; i < 2_000; i++) {
                SwitchPort churn = sw.addLinkPort("churn", (f, off, len) -> true);
                sw.remove(churn);
            }
        }));
        threads.forEach(t -> t.setUncaughtExceptionHandler((th, e) -> failures.add(e)));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(arrived.get()).isEqualTo((long) senders * frames);
        assertThat(sinkPort.totals().txFrames()).isEqualTo((long) senders * frames);
        SwitchSnapshot s = sw.snapshot();
        for (int t = 0; t < senders; t++) {
            assertThat(s.bytes(new MacAddress(0x525400000200L + t), sink)).isEqualTo(64L * frames);
        }
        assertThat(s.ports()).hasSize(senders + 1);
    }
}
