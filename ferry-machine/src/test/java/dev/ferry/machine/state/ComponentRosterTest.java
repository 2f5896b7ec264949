package dev.ferry.machine.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.Clint;
import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.device.Plic;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.Uart16550;
import dev.ferry.machine.device.UartState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComponentRosterTest {

    private static final int SCR = 7;

    private static Uart16550 uart() {
        return new Uart16550(b -> { }, level -> { });
    }

    private static ComponentRoster twoUarts(Uart16550 a, Uart16550 b) {
        return ComponentRoster.builder().add("uart@0", UartState.class, a).add("uart@1", UartState.class, b).build();
    }

    @Test
    void twoComponentsOfOneKindSaveAndRestoreIndependently() throws Exception {
        Uart16550 a = uart();
        Uart16550 b = uart();
        a.write(SCR, 1, 0x11);
        b.write(SCR, 1, 0x22);
        ComponentRoster source = twoUarts(a, b);
        List<EncodedComponent> saved = source.encode();
        assertThat(saved).extracting(EncodedComponent::id).containsExactly("uart@0", "uart@1");

        Uart16550 c = uart();
        Uart16550 d = uart();
        ComponentRoster target = twoUarts(c, d);
        target.restore(target.check(saved));
        assertThat(c.read(SCR, 1)).isEqualTo(0x11);
        assertThat(d.read(SCR, 1)).isEqualTo(0x22);

        Map<String, Record> swapped = new LinkedHashMap<>();
        swapped.put("uart@0", source.save().get("uart@1"));
        swapped.put("uart@1", source.save().get("uart@0"));
        target.restore(target.check(swapped));
        assertThat(c.read(SCR, 1)).as("each id gets its own record").isEqualTo(0x22);
        assertThat(d.read(SCR, 1)).isEqualTo(0x11);
    }

    @Test
    void duplicateIdIsRefusedAtRegistration() {
        ComponentRoster.Builder b = ComponentRoster.builder().add("uart0", UartState.class, uart());
        assertThatThrownBy(() -> b.add("uart0", UartState.class, uart()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("component id 'uart0' is registered already");
        assertThatThrownBy(() -> b.add("", UartState.class, uart())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.add("x".repeat(ComponentRoster.MAX_ID_BYTES + 1), UartState.class, uart()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(b.build()).extracting(ComponentRoster.Entry::id).containsExactly("uart0");
    }

    @Test
    void iteratesInRegistrationOrder() {
        ComponentRoster r = ComponentRoster.builder()
                .add("z", ClintState.class, new Clint(() -> 0, (bit, level) -> { }))
                .add("a", UartState.class, uart())
                .add("m", PlicState.class, new Plic((bit, level) -> { }))
                .build();
        assertThat(r).extracting(ComponentRoster.Entry::id).containsExactly("z", "a", "m");
        assertThat(r).extracting(ComponentRoster.Entry::type)
                .containsExactly(ClintState.class, UartState.class, PlicState.class);
        assertThat(r.save().keySet()).containsExactly("z", "a", "m");
        assertThat(r).extracting(ComponentRoster.Entry::fingerprint).containsExactly(
                RecordCodec.fingerprint(ClintState.class),
                RecordCodec.fingerprint(UartState.class), RecordCodec.fingerprint(PlicState.class));
    }

    @Test
    void anInvalidLaterComponentLeavesEarlierOnesUntouched() {
        Clint clint = new Clint(() -> 0, (bit, level) -> { });
        Plic plic = new Plic((bit, level) -> { });
        ComponentRoster r = ComponentRoster.builder().add("clint", ClintState.class, clint)
                .add("plic", PlicState.class, plic).build();
        ClintState before = clint.saveState();
        PlicState good = plic.saveState();
        int[] priority = good.priority().clone();
        priority[3] = 9;
        Map<String, Record> states = new LinkedHashMap<>();
        states.put("clint", new ClintState(true, 1234));
        states.put("plic", new PlicState(priority, good.pending(), good.claimed(), good.enable(), good.threshold()));
        assertThatThrownBy(() -> r.check(states)).isInstanceOf(StateFormatException.class)
                .hasMessage("component 'plic': PLIC priority/threshold 9 is outside 0..7");
        assertThat(clint.saveState()).isEqualTo(before);
    }

    @Test
    void setsThatDoNotMatchTheRosterAreRejected() {
        Clint clint = new Clint(() -> 0, (bit, level) -> { });
        ComponentRoster r = ComponentRoster.builder().add("clint", ClintState.class, clint)
                .add("uart0", UartState.class, uart()).build();
        Map<String, Record> good = r.save();

        Map<String, Record> missing = new LinkedHashMap<>(good);
        missing.remove("uart0");
        assertThatThrownBy(() -> r.check(missing)).hasMessage("state has no 'uart0' component");

        Map<String, Record> extra = new LinkedHashMap<>(good);
        extra.put("uart1", good.get("uart0"));
        assertThatThrownBy(() -> r.check(extra)).hasMessage("state has a component 'uart1' that this machine lacks");

        Map<String, Record> wrongType = new LinkedHashMap<>(good);
        wrongType.put("uart0", new ClintState(false, 0));
        assertThatThrownBy(() -> r.check(wrongType)).hasMessage("component 'uart0' holds ClintState, not UartState");

        List<EncodedComponent> twice = new ArrayList<>(r.encode());
        twice.add(twice.get(0));
        assertThatThrownBy(() -> r.check(twice)).hasMessage("state has component 'clint' twice");

        EncodedComponent c = r.encode().get(0);
        List<EncodedComponent> otherLayout = List.of(new EncodedComponent(c.id(), c.type(), c.fingerprint() ^ 1,
                c.data()), r.encode().get(1));
        assertThatThrownBy(() -> r.check(otherLayout))
                .hasMessage("component 'clint' was saved with a different layout of ClintState than this build has");

        List<EncodedComponent> truncated = List.of(new EncodedComponent(c.id(), c.type(), c.fingerprint(),
                new byte[3]), r.encode().get(1));
        assertThatThrownBy(() -> r.check(truncated)).isInstanceOf(StateFormatException.class)
                .hasMessageStartingWith("component 'clint': cannot decode ClintState");
    }

    @Test
    void aValidatedSetAppliesOnlyToItsRosterAndIsACopy() throws Exception {
        ComponentRoster r = ComponentRoster.builder().add("p", PlicState.class, new Plic((bit, level) -> { }))
                .build();
        PlicState state = (PlicState) r.save().get("p");
        state.priority()[5] = 3;
        ComponentRoster.Validated v = r.check(Map.of("p", state));
        state.priority()[5] = 99;
        r.restore(v);
        assertThat(((PlicState) r.save().get("p")).priority()[5]).as("the caller's array is not kept").isEqualTo(3);

        ComponentRoster other = ComponentRoster.builder().add("p", PlicState.class, new Plic((bit, level) -> { }))
                .build();
        assertThatThrownBy(() -> other.restore(v)).isInstanceOf(IllegalArgumentException.class);
    }
}
