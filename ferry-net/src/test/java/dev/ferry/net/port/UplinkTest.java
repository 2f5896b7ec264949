package dev.ferry.net.port;

import static dev.ferry.net.Frames.A;
import static dev.ferry.net.Frames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.net.Frames.Recorder;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.PortKind;
import dev.ferry.net.switching.RateLimit;
import dev.ferry.net.switching.SwitchPort;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class UplinkTest {

    /** Stands for a TAP device: records what is written, lets the test deliver frames. */
    static final class FakeDevice implements NetBackend {
        final List<byte[]> written = new ArrayList<>();
        FrameReceiver receiver;
        boolean closed;

        @Override
        public void send(byte[] frame, int off, int len) {
            written.add(Arrays.copyOfRange(frame, off, off + len));
        }

        @Override
        public void attach(FrameReceiver r) {
            receiver = r;
        }

        @Override
        public void detach() {
            receiver = null;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void carriesFramesBothWaysWithoutAntiSpoofing() {
        LearningSwitch sw = new LearningSwitch();
        Recorder vm = new Recorder();
        SwitchPort a = sw.addVmPort("a", A, RateLimit.DEFAULT, vm);
        FakeDevice tap = new FakeDevice();
        Uplink up = Uplink.over(sw, "tap:ferry0", tap);
        assertThat(up.port().kind()).isEqualTo(PortKind.UPLINK);

        MacAddress client = MacAddress.parse("0a:00:00:00:00:01");
        MacAddress router = MacAddress.parse("0a:00:00:00:00:02");
        byte[] fromClient = frame(A, client, 80, 1);
        byte[] fromRouter = frame(A, router, 80, 2);
        tap.receiver.receive(fromClient, 0, fromClient.length);
        tap.receiver.receive(fromRouter, 0, fromRouter.length);
        assertThat(vm.frames()).containsExactly(fromClient, fromRouter);

        byte[] reply = frame(client, A, 90, 3);
        sw.receive(a, reply, 0, reply.length);
        assertThat(tap.written).singleElement().isEqualTo(reply);
        assertThat(up.port().totals().spoofed()).isZero();

        up.close();
        assertThat(tap.closed).isTrue();
        assertThat(tap.receiver).isNull();
        assertThat(sw.ports()).containsExactly(a);
    }
}
