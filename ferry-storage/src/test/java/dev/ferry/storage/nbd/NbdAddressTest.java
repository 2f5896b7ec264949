package dev.ferry.storage.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.block.BlockBackendException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NbdAddressTest {

    @Test
    void tcpWithPortAndExport() throws Exception {
        NbdAddress a = NbdAddress.parse("nbd://nas.example:10900/vm-disk");
        assertThat(a).isEqualTo(NbdAddress.tcp("nas.example", 10900, "vm-disk"));
        assertThat(a.toString()).isEqualTo("nbd://nas.example:10900/vm-disk");
    }

    @Test
    void defaultPortAndEmptyExport() throws Exception {
        assertThat(NbdAddress.parse("nbd://10.0.0.2/")).isEqualTo(NbdAddress.tcp("10.0.0.2", 10809, ""));
        assertThat(NbdAddress.parse("nbd://10.0.0.2")).isEqualTo(NbdAddress.tcp("10.0.0.2", 10809, ""));
    }

    @Test
    void ipv6AndEscapedExport() throws Exception {
        NbdAddress a = NbdAddress.parse("nbd://[::1]:2000/disks/a%20b+c");
        assertThat(a).isEqualTo(NbdAddress.tcp("::1", 2000, "disks/a b+c"));
        assertThat(a.toString()).startsWith("nbd://[::1]:2000/");
    }

    @Test
    void unixSocket() throws Exception {
        assertThat(NbdAddress.parse("nbd+unix:///disk?socket=/run/nbd.sock"))
                .isEqualTo(NbdAddress.unix(Path.of("/run/nbd.sock"), "disk"));
        assertThat(NbdAddress.parse("nbd+unix://?socket=/tmp/s")).isEqualTo(NbdAddress.unix(Path.of("/tmp/s"), ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://host/disk", "nbd:///disk", "nbd://host:99999/disk", "nbd://host/d?x=1",
            "nbd+unix:///disk", "nbd+unix://host/disk?socket=/s", "nbd+unix:///d?socket=", "nbd://ho st/", "disk.img"})
    void rejectsWithAOneLineMessageNamingTheText(String text) {
        assertThatThrownBy(() -> NbdAddress.parse(text)).isInstanceOf(BlockBackendException.class)
                .hasMessageStartingWith("NBD address " + text + " is not valid: ")
                .hasMessageNotContaining("\n");
    }
}
