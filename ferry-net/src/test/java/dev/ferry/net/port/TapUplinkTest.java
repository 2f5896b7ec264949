package dev.ferry.net.port;

import static dev.ferry.net.testing.Netns.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.PortKind;
import dev.ferry.net.testing.Netns;
import dev.ferry.net.testing.PingResponder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * An uplink over a real TAP device: the switch creates the TAP, the test moves it into a network namespace it
 * created and pings a responder on the switch from there. Root only; skipped otherwise.
 */
class TapUplinkTest {

    @Test
    void pingFromANamespaceThroughATapUplinkIsAnswered() throws Exception {
        Assumptions.assumeTrue(Netns.usable(), "needs root, ip and ping");
        String ns = "fupn" + Netns.ID;
        String tap = "fupt" + Netns.ID;
        LearningSwitch sw = new LearningSwitch();
        PingResponder responder = new PingResponder(sw, MacAddress.parse("52:54:00:77:98:01"),
                new byte[] {10, 77, 98, 1});
        try (Netns net = new Netns(); Uplink up = Uplink.openTap(sw, tap)) {
            net.run(new String[] {"ip", "netns", "add", ns}, "ip", "netns", "del", ns);
            run("ip", "link", "set", tap, "netns", ns);
            run("ip", "-n", ns, "addr", "add", "10.77.98.2/24", "dev", tap);
            run("ip", "-n", ns, "link", "set", tap, "up");

            String out = run("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.77.98.1");
            System.out.println(out);

            assertThat(out).contains("3 received");
            assertThat(responder.echoReplies.get()).isGreaterThanOrEqualTo(3);
            assertThat(up.port().kind()).isEqualTo(PortKind.UPLINK);
            assertThat(up.port().name()).isEqualTo("tap:" + tap);
            assertThat(up.port().totals().rxFrames()).isGreaterThanOrEqualTo(4);
            assertThat(up.port().totals().txFrames()).isGreaterThanOrEqualTo(4);
        }
    }
}
