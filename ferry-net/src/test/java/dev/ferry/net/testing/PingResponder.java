package dev.ferry.net.testing;

import dev.ferry.net.frame.EthernetFrame;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import dev.ferry.net.switching.SwitchPort;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A station on a switch port that answers ARP requests for its IPv4 address and ICMP echo requests to it: enough
 * for {@code ping} from elsewhere on the segment.
 */
public final class PingResponder implements SwitchPort.Egress {

    private final LearningSwitch sw;
    private final MacAddress mac;
    private final byte[] ip;
    private final SwitchPort port;
    public final AtomicInteger arpReplies = new AtomicInteger();
    public final AtomicInteger echoReplies = new AtomicInteger();

    public PingResponder(LearningSwitch sw, MacAddress mac, byte[] ip) {
        this.sw = sw;
        this.mac = mac;
        this.ip = ip.clone();
        this.port = sw.addVmPort("responder", mac, RateLimit.DEFAULT, this);
    }

    @Override
    public boolean offer(byte[] frame, int off, int len) {
        byte[] f = Arrays.copyOfRange(frame, off, off + len);
        int type = EthernetFrame.etherType(f, 0, len);
        byte[] reply = null;
        if (type == EthernetFrame.TYPE_ARP && len >= 42) {
            reply = arpReply(f);
        } else if (type == EthernetFrame.TYPE_IPV4 && len >= 34) {
            reply = echoReply(f, len);
        }
        if (reply != null) {
            sw.receive(port, reply, 0, reply.length);
        }
        return true;
    }

    private byte[] arpReply(byte[] f) {
        boolean request = f[20] == 0 && f[21] == 1;
        if (!request || !Arrays.equals(f, 38, 42, ip, 0, 4)) {
            return null;
        }
        byte[] r = new byte[60];
        EthernetFrame.writeHeader(r, 0, MacAddress.read(f, 6), mac, EthernetFrame.TYPE_ARP);
        System.arraycopy(f, 14, r, 14, 6);
        r[21] = 2;
        mac.write(r, 22);
        System.arraycopy(ip, 0, r, 28, 4);
        System.arraycopy(f, 22, r, 32, 10);
        arpReplies.incrementAndGet();
        return r;
    }

    private byte[] echoReply(byte[] f, int len) {
        int ihl = (f[14] & 0x0f) * 4;
        int total = (f[16] & 0xff) << 8 | (f[17] & 0xff);
        int icmp = 14 + ihl;
        boolean echoRequest = f[23] == 1 && Arrays.equals(f, 30, 34, ip, 0, 4) && 14 + total <= len
                && total >= ihl + 8 && f[icmp] == 8;
        if (!echoRequest) {
            return null;
        }
        byte[] r = Arrays.copyOf(f, 14 + total);
        EthernetFrame.writeHeader(r, 0, MacAddress.read(f, 6), mac, EthernetFrame.TYPE_IPV4);
        System.arraycopy(f, 30, r, 26, 4);
        System.arraycopy(f, 26, r, 30, 4);
        r[icmp] = 0;
        r[icmp + 2] = 0;
        r[icmp + 3] = 0;
        int sum = checksum(r, icmp, 14 + total - icmp);
        r[icmp + 2] = (byte) (sum >>> 8);
        r[icmp + 3] = (byte) sum;
        echoReplies.incrementAndGet();
        return r;
    }

    private static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
