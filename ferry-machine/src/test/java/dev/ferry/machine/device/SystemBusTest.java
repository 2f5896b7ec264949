package dev.ferry.machine.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SystemBusTest {

    @Test
    void virtBoardDevicesAnswerAtTheirAddresses() throws Exception {
        RecordingSink sink = new RecordingSink();
        List<Integer> out = new ArrayList<>();
        SystemBus bus = new SystemBus();
        Plic plic = new Plic(sink);
        bus.map(Plic.BASE, plic);
        bus.map(Clint.BASE, new Clint(() -> 42, sink));
        bus.map(Uart16550.BASE, new Uart16550(out::add, plic.line(Plic.UART0_IRQ)));
        bus.map(TestFinisher.BASE, new TestFinisher(new PowerControl() {
            @Override
            public void powerOff(int exitCode) {
                out.add(-exitCode - 1);
            }

            @Override
            public void reset() {
            }
        }));
        for (int i = 0; i < VirtioMmioSlot.COUNT; i++) {
            bus.map(VirtioMmioSlot.base(i), new VirtioMmioSlot());
        }

        assertThat(bus.read(0x1000_0005L, 1)).isEqualTo(0x60);
        bus.write(0x1000_0000L, 1, 'k');
        assertThat(bus.read(0x0200_bff8L, 8)).isEqualTo(42);
        assertThat(bus.read(0x1000_8000L, 4)).isEqualTo(0x7472_6976L);
        bus.write(0x0010_0000L, 4, 0x0002_3333);
        assertThat(out).containsExactly((int) 'k', -3);
    }

    @Test
    void refusedAccessesAreBusErrors() {
        SystemBus bus = new SystemBus();
        bus.map(Uart16550.BASE, new Uart16550(b -> { }, InterruptLine.NONE));
        bus.map(Plic.BASE, new Plic(new RecordingSink()));
        bus.map(VirtioMmioSlot.base(0), new VirtioMmioSlot());
        assertThatThrownBy(() -> bus.read(0x1000_0008L, 1)).isInstanceOf(SystemBus.BusError.class);
        assertThatThrownBy(() -> bus.write(0x1000_00ffL, 1, 0)).isInstanceOf(SystemBus.BusError.class);
        assertThatThrownBy(() -> bus.read(0x0c00_0028L, 8)).isInstanceOf(SystemBus.BusError.class);
        assertThatThrownBy(() -> bus.write(0x0c00_0028L, 1, 1)).isInstanceOf(SystemBus.BusError.class);
        assertThatThrownBy(() -> bus.read(0x1000_1ff8L, 4)).isInstanceOf(SystemBus.BusError.class);
        assertThatThrownBy(() -> bus.read(0x0c60_0000L, 4)).isInstanceOf(SystemBus.BusError.class);
    }
}
