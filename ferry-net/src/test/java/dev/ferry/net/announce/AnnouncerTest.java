package dev.ferry.net.announce;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.B;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.Frames.Recorder;
import dev.ferry.net.frame.EthernetFrame;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import dev.ferry.net.switching.SwitchPort;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AnnouncerTest {

    @Test
    void sendsArpAndRarpFromTheVmsPortEveryRoundOnSchedule() throws Exception {
        LearningSwitch sw = new LearningSwitch();
        Recorder link = new Recorder();
        SwitchPort l = sw.addLinkPort("l", link);
        byte[] old = frame(MacAddress.BROADCAST, A);
        sw.receive(l, old, 0, old.length);
        assertThat(sw.snapshot().mac(A).orElseThrow().portName()).as("A was behind the link").isEqualTo("l");

        SwitchPort a = sw.addVmPort("a", A, new RateLimit(1, 1, 1, 2000), new Recorder());
        byte[] exhaust = frame(MacAddress.BROADCAST, A);
        sw.receive(a, exhaust, 0, exhaust.length);
        link.clear();
        Inet4Address ip = (Inet4Address) InetAddress.getByName("10.77.0.10");
        ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
        try {
            AnnounceSchedule schedule = new AnnounceSchedule(20, 100, 3, 20);
            Announcer announcer = new Announcer(sw, exec, schedule, System::nanoTime);
            long t0 = System.nanoTime();
            Announcer.Announcement ann = announcer.start(List.of(new AnnounceTarget(A, ip),
                    new AnnounceTarget(B, null)));
            long first = ann.firstRound().get(5, TimeUnit.SECONDS);
            ann.done().get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(first).isBetween(t0, t0 + 1_000_000_000L);
            assertThat(ms).as("rounds at 0, 20 and 60 ms").isGreaterThanOrEqualTo(60);
            assertThat(ann.rounds()).isEqualTo(3);
            assertThat(ann.frames()).as("B has no port here: only A's two frames a round").isEqualTo(6);
            assertThat(link.frames()).hasSize(6);
            assertThat(link.frames()).extracting(f -> EthernetFrame.etherType(f, 0, f.length))
                    .containsExactly(0x0806, 0x8035, 0x0806, 0x8035, 0x0806, 0x8035);
            assertThat(a.totals().rateLimited()).as("announcements pass a spent rate limit").isZero();
            assertThat(sw.snapshot().mac(A).orElseThrow().portName()).as("re-learned at the VM port").isEqualTo("a");
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void cancelStopsFurtherRounds() throws Exception {
        LearningSwitch sw = new LearningSwitch();
        Recorder link = new Recorder();
        sw.addLinkPort("l", link);
        sw.addVmPort("a", A, RateLimit.DEFAULT, new Recorder());
        ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor();
        try {
            Announcer announcer = new Announcer(sw, exec, new AnnounceSchedule(200, 550, 5, 100), System::nanoTime);
            Announcer.Announcement ann = announcer.start(List.of(new AnnounceTarget(A, null)));
            ann.firstRound().get(5, TimeUnit.SECONDS);
            ann.cancel();
            ann.done().get(5, TimeUnit.SECONDS);
            assertThat(ann.rounds()).isEqualTo(1);
            assertThat(link.count()).isEqualTo(1);
        } finally {
            exec.shutdownNow();
        }
    }
}
