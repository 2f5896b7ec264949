package dev.ferry.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AnnounceFramesTest {

    private static final MacAddress VM = MacAddress.parse("52:54:00:12:34:56");

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    @Test
    void gratuitousArpIsABroadcastRequestForTheVmsOwnAddress() throws Exception {
        Inet4Address ip = (Inet4Address) InetAddress.getByName("10.77.0.10");
        byte[] f = AnnounceFrames.gratuitousArp(VM, ip);
        assertThat(f).hasSize(60);
        assertThat(EthernetFrame.destination(f, 0, f.length)).isEqualTo(MacAddress.BROADCAST.bits());
        assertThat(EthernetFrame.source(f, 0, f.length)).isEqualTo(VM.bits());
        assertThat(EthernetFrame.etherType(f, 0, f.length)).isEqualTo(0x0806);
        assertThat(u16(f, 14)).as("hardware type").isEqualTo(1);
        assertThat(u16(f, 16)).as("protocol type").isEqualTo(0x0800);
        assertThat(f[18]).isEqualTo((byte) 6);
        assertThat(f[19]).isEqualTo((byte) 4);
        assertThat(u16(f, 20)).as("opcode").isEqualTo(1);
        assertThat(MacAddress.read(f, 22)).isEqualTo(VM);
        assertThat(Arrays.copyOfRange(f, 28, 32)).isEqualTo(ip.getAddress());
        assertThat(MacAddress.read(f, 32)).isEqualTo(MacAddress.ZERO);
        assertThat(Arrays.copyOfRange(f, 38, 42)).isEqualTo(ip.getAddress());
        assertThat(Arrays.copyOfRange(f, 42, 60)).containsOnly(0);
    }

    @Test
    void rarpIsAReverseRequestAsQemuSendsIt() {
        byte[] f = AnnounceFrames.rarp(VM);
        assertThat(f).hasSize(60);
        assertThat(EthernetFrame.destination(f, 0, f.length)).isEqualTo(MacAddress.BROADCAST.bits());
        assertThat(EthernetFrame.source(f, 0, f.length)).isEqualTo(VM.bits());
        assertThat(EthernetFrame.etherType(f, 0, f.length)).isEqualTo(0x8035);
        assertThat(u16(f, 20)).as("opcode").isEqualTo(3);
        assertThat(MacAddress.read(f, 22)).isEqualTo(VM);
        assertThat(Arrays.copyOfRange(f, 28, 32)).containsOnly(0);
        assertThat(MacAddress.read(f, 32)).isEqualTo(VM);
        assertThat(Arrays.copyOfRange(f, 38, 60)).containsOnly(0);
    }
}
