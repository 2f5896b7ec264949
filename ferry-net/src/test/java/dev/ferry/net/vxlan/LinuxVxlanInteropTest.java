package dev.ferry.net.vxlan;

import static dev.ferry.net.testing.Netns.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.PortKind;
import dev.ferry.net.switching.SwitchSnapshot;
import dev.ferry.net.testing.Netns;
import dev.ferry.net.testing.PingResponder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Linux's own {@code vxlan} device joins Ferry's segment: in a network namespace the test creates (reached over a
 * veth pair, since loopback is per namespace), a {@code vxlan} device with VNI 42 whose remote is this JVM's VXLAN
 * endpoint; {@code ping} there gets answers from a responder on the switch. Root only; skipped otherwise.
 */
class LinuxVxlanInteropTest {

    @Test
    void pingFromALinuxVxlanDeviceIsAnsweredThroughTheSwitch() throws Exception {
        Assumptions.assumeTrue(Netns.usable(), "needs root, ip and ping");
        String ns = "fnet" + Netns.ID;
        String hostVeth = "fvh" + Netns.ID;
        String nsVeth = "fvn" + Netns.ID;
        String underlay = "10." + (200 + Netns.ID / 250 % 50) + "." + (Netns.ID % 250) + ".";
        LearningSwitch sw = new LearningSwitch();
        try (Netns net = new Netns()) {
            net.run(new String[] {"ip", "netns", "add", ns}, "ip", "netns", "del", ns);
            net.run(new String[] {"ip", "link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth, "netns", ns},
                    "ip", "link", "del", hostVeth);
            run("ip", "addr", "add", underlay + "1/30", "dev", hostVeth);
            run("ip", "link", "set", hostVeth, "up");
            run("ip", "-n", ns, "addr", "add", underlay + "2/30", "dev", nsVeth);
            run("ip", "-n", ns, "link", "set", nsVeth, "up");

            PingResponder responder = new PingResponder(sw, MacAddress.parse("52:54:00:77:99:01"),
                    new byte[] {10, 77, 99, 1});
            InetSocketAddress local = new InetSocketAddress(InetAddress.getByName(underlay + "1"), 0);
            try (VxlanEndpoint ep = VxlanEndpoint.open(sw, local, List.of(), VxlanHeader.DEFAULT_VNI)) {
                int port = ep.localAddress().getPort();
                Assumptions.assumeTrue(port < 65_535, "the source-port range needs port + 1");
                String p = Integer.toString(port);
                ep.addPeer(new InetSocketAddress(InetAddress.getByName(underlay + "2"), port));
                run("ip", "-n", ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "local", underlay + "2",
                        "remote", underlay + "1", "dstport", p, "srcport", p, Integer.toString(port + 1),
                        "dev", nsVeth);
                run("ip", "-n", ns, "addr", "add", "10.77.99.2/24", "dev", "vx0");
                run("ip", "-n", ns, "link", "set", "vx0", "up");

                String out = run("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.99.1");
                System.out.println(out);

                assertThat(out).contains("3 received");
                assertThat(responder.arpReplies.get()).isPositive();
                assertThat(responder.echoReplies.get()).isGreaterThanOrEqualTo(3);
                String vxMac = run("ip", "-n", ns, "-br", "link", "show", "vx0").trim().split("\\s+")[2];
                SwitchSnapshot s = sw.snapshot();
                SwitchSnapshot.MacEntry linux = s.mac(MacAddress.parse(vxMac)).orElseThrow();
                assertThat(linux.portName()).isEqualTo("vxlan:" + underlay + "2:" + port);
                assertThat(s.port(linux.portName()).orElseThrow().kind()).isEqualTo(PortKind.LINK);
                assertThat(ep.totals().nonPeer() + ep.totals().malformed() + ep.totals().wrongVni()).isZero();
            }
        }
    }
}
