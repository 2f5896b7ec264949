package dev.ferry.net.switching;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.B;
import static dev.ferry.net.Frames.C;
import static dev.ferry.net.Frames.D;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.Frames.FakeClock;
import dev.ferry.net.Frames.Recorder;
import dev.ferry.net.frame.MacAddress;
import org.junit.jupiter.api.Test;

class LearningSwitchTest {

    private final FakeClock clock = new FakeClock();
    private final LearningSwitch sw = new LearningSwitch(clock, 300_000_000_000L);
    private final Recorder outA = new Recorder();
    private final Recorder outB = new Recorder();
    private final Recorder outC = new Recorder();
    private final Recorder link1 = new Recorder();
    private final Recorder link2 = new Recorder();
    private final Recorder uplink = new Recorder();
    private final SwitchPort a = sw.addVmPort("a", A, RateLimit.DEFAULT, outA);
    private final SwitchPort b = sw.addVmPort("b", B, RateLimit.DEFAULT, outB);
    private final SwitchPort c = sw.addVmPort("c", C, RateLimit.DEFAULT, outC);

    private void send(SwitchPort from, byte[] f) {
        sw.receive(from, f, 0, f.length);
    }

    @Test
    void floodsUnknownDestinationsThenForwardsToTheLearnedPortOnly() {
        send(a, frame(B, A));
        assertThat(outB.count()).isEqualTo(1);
        assertThat(outC.count()).as("unknown destination floods").isEqualTo(1);
        assertThat(outA.count()).as("never back out the input port").isZero();

        send(b, frame(A, B, 100, 7));
        assertThat(outA.frames()).singleElement().isEqualTo(frame(A, B, 100, 7));
        assertThat(outC.count()).as("A was learned: no flood").isEqualTo(1);

        send(a, frame(B, A));
        assertThat(outB.count()).isEqualTo(2);
        assertThat(outC.count()).isEqualTo(1);
        assertThat(sw.snapshot().mac(A).orElseThrow().portName()).isEqualTo("a");
    }

    @Test
    void forwardsSlicesOfLargerBuffers() {
        send(b, frame(A, B));
        byte[] f = frame(B, A, 80, 3);
        byte[] buf = new byte[200];
        System.arraycopy(f, 0, buf, 50, f.length);
        sw.receive(a, buf, 50, f.length);
        assertThat(outB.frames()).singleElement().isEqualTo(f);
    }

    @Test
    void learnedAddressesAgeOut() {
        send(b, frame(A, B));
        outC.clear();
        clock.advanceMillis(299_000);
        send(a, frame(B, A));
        assertThat(outC.count()).as("B still known").isZero();
        assertThat(sw.snapshot().mac(B).orElseThrow().ageMillis()).isEqualTo(299_000);
        clock.advanceMillis(2_000);
        assertThat(sw.snapshot().mac(B)).as("aged out of the snapshot").isEmpty();
        send(a, frame(B, A));
        assertThat(outC.count()).as("B aged out: flooded again").isEqualTo(1);
    }

    @Test
    void floodsBroadcastAndMulticast() {
        sw.addUplinkPort("up", uplink);
        sw.addLinkPort("l1", link1);
        send(b, frame(A, B));
        send(a, frame(MacAddress.BROADCAST, A));
        send(a, frame(MacAddress.parse("33:33:00:00:00:01"), A));
        outA.clear();
        send(b, frame(A, B));
        assertThat(outB.count()).isEqualTo(2);
        for (Recorder r : new Recorder[] {outC, uplink, link1}) {
            assertThat(r.count()).as("B's first frame flooded, then both group frames").isEqualTo(3);
        }
        assertThat(outA.count()).as("A learned by then: unicast to A only").isEqualTo(1);
        assertThat(sw.snapshot().traffic()).as("group destinations are not pairs")
                .allMatch(t -> t.destination().isUnicast());
    }

    @Test
    void neverFloodsFromOneLinkToAnother() {
        SwitchPort l1 = sw.addLinkPort("l1", link1);
        sw.addLinkPort("l2", link2);
        sw.addUplinkPort("up", uplink);
        send(l1, frame(MacAddress.BROADCAST, D));
        assertThat(link2.count()).isZero();
        assertThat(link1.count()).isZero();
        assertThat(outA.count()).isEqualTo(1);
        assertThat(uplink.count()).isEqualTo(1);
        send(a, frame(MacAddress.BROADCAST, A));
        assertThat(link1.count()).as("from a VM, every link gets it").isEqualTo(1);
        assertThat(link2.count()).isEqualTo(1);
        send(l1, frame(MacAddress.parse("52:54:00:99:99:99"), D));
        assertThat(link2.count()).as("unknown unicast from a link: no other link").isEqualTo(1);
    }

    @Test
    void dropsAndCountsFramesFromAnotherSourceOnAVmPort() {
        send(a, frame(MacAddress.BROADCAST, D));
        send(a, frame(B, C));
        assertThat(outB.count() + outC.count()).isZero();
        PortTotals t = a.totals();
        assertThat(t.spoofed()).isEqualTo(2);
        assertThat(t.rxFrames()).isZero();
        assertThat(sw.snapshot().mac(D)).as("spoofed sources are not learned").isEmpty();
        assertThat(sw.snapshot().mac(C)).isEmpty();
        SwitchPort up = sw.addUplinkPort("up", uplink);
        send(up, frame(MacAddress.BROADCAST, D));
        assertThat(up.totals().spoofed()).as("uplinks carry many sources").isZero();
        assertThat(sw.snapshot().mac(D)).isPresent();
    }

    @Test
    void countsMalformedFrames() {
        SwitchPort l1 = sw.addLinkPort("l1", link1);
        sw.receive(l1, new byte[13], 0, 13);
        sw.receive(l1, new byte[1519], 0, 1519);
        byte[] groupSource = frame(B, MacAddress.parse("01:00:5e:00:00:01"));
        send(l1, groupSource);
        assertThat(l1.totals().malformed()).isEqualTo(3);
        assertThat(outA.count() + outB.count() + outC.count()).isZero();
        assertThat(l1.totals().dropped(DropReason.MALFORMED)).isEqualTo(3);
    }

    @Test
    void countsFramesAndBytesBothWaysAndRefusedOutput() {
        send(a, frame(MacAddress.BROADCAST, A, 100, 0));
        outC.refuse();
        send(a, frame(MacAddress.BROADCAST, A, 60, 0));
        assertThat(a.totals().rxFrames()).isEqualTo(2);
        assertThat(a.totals().rxBytes()).isEqualTo(160);
        assertThat(b.totals().txFrames()).isEqualTo(2);
        assertThat(b.totals().txBytes()).isEqualTo(160);
        assertThat(c.totals().txFrames()).isEqualTo(1);
        assertThat(c.totals().noRoute()).isEqualTo(1);
    }

    @Test
    void removeForgetsThePortsAddressesSoTheyFloodUntilLearnedElsewhere() {
        SwitchPort l1 = sw.addLinkPort("l1", link1);
        send(b, frame(A, B));
        send(c, frame(A, C));
        outB.clear();
        outC.clear();
        link1.clear();
        sw.remove(b);
        assertThat(sw.ports()).doesNotContain(b);
        assertThat(sw.snapshot().mac(B)).isEmpty();
        assertThat(sw.snapshot().mac(C)).isPresent();
        send(a, frame(B, A));
        assertThat(outB.count()).as("nothing goes out a removed port").isZero();
        assertThat(link1.count()).as("B floods to the links").isEqualTo(1);
        assertThat(outC.count()).isEqualTo(1);
        send(b, frame(A, B));
        assertThat(b.totals().rxFrames()).as("a removed port's input is ignored").isEqualTo(1);

        send(l1, frame(MacAddress.BROADCAST, B));
        link1.clear();
        outC.clear();
        send(a, frame(B, A));
        assertThat(link1.count()).as("B re-learned behind the link").isEqualTo(1);
        assertThat(outC.count()).isZero();
        assertThat(sw.snapshot().mac(B).orElseThrow().portName()).isEqualTo("l1");
    }

    @Test
    void trafficMatrixCountsBytesPerUnicastPair() {
        send(a, frame(B, A, 100, 0));
        send(a, frame(B, A, 200, 0));
        send(b, frame(A, B, 64, 0));
        send(a, frame(MacAddress.BROADCAST, A, 64, 0));
        send(a, frame(C, D));
        SwitchSnapshot s = sw.snapshot();
        assertThat(s.bytes(A, B)).isEqualTo(300);
        assertThat(s.bytes(B, A)).isEqualTo(64);
        assertThat(s.bytes(D, C)).as("spoofed frames are not traffic").isZero();
        assertThat(s.traffic()).hasSize(2);
        SwitchPort up = sw.addUplinkPort("up", uplink);
        byte[] fromClient = frame(A, D, 64, 0);
        sw.receive(up, fromClient, 0, fromClient.length);
        assertThat(sw.snapshot().bytes(D, A)).as("only frames from VM ports count").isZero();
        assertThat(s.traffic().get(0).source()).isEqualTo(A);
    }

    @Test
    void snapshotListsPortsWithKindNameMacAndCounters() {
        sw.addLinkPort("vxlan:127.0.0.1:4802", link1);
        send(a, frame(MacAddress.BROADCAST, A));
        SwitchSnapshot s = sw.snapshot();
        assertThat(s.ports()).extracting(SwitchSnapshot.PortView::name)
                .containsExactly("a", "b", "c", "vxlan:127.0.0.1:4802");
        SwitchSnapshot.PortView link = s.port("vxlan:127.0.0.1:4802").orElseThrow();
        assertThat(link.kind()).isEqualTo(PortKind.LINK);
        assertThat(link.mac()).isNull();
        assertThat(link.totals().txFrames()).isEqualTo(1);
        assertThat(s.port("a").orElseThrow().mac()).isEqualTo(A);
        assertThat(s.port("a").orElseThrow().totals().rxFrames()).isEqualTo(1);
        assertThat(sw.vmPort(B)).contains(b);
        assertThat(sw.vmPort(D)).isEmpty();
    }

    @Test
    void aFullMacTableStopsLearningAndCountsIt() {
        LearningSwitch small = new LearningSwitch(clock, 300_000_000_000L, 2, 10);
        SwitchPort up = small.addUplinkPort("up", uplink);
        small.addUplinkPort("up2", link1);
        for (int i = 0; i < 5; i++) {
            byte[] f = frame(MacAddress.BROADCAST, new MacAddress(0x020000000100L + i));
            small.receive(up, f, 0, f.length);
        }
        assertThat(small.snapshot().macs()).hasSize(2);
        assertThat(small.snapshot().macsRefused()).isEqualTo(3);
        assertThat(link1.count()).as("still forwarded").isEqualTo(5);
    }
}
