package dev.ferry.machine.board;

import dev.ferry.machine.cpu.Cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's device tree against QEMU 7.2's ({@code -machine virt,dumpdtb=...}), both decompiled by {@code dtc}: every
 * node Ferry describes has the same properties and values, with phandle references compared by the node they
 * point to. Known differences are listed: the CPU's ISA string and MMU type (what Ferry's CPU implements) and
 * Ferry's tree leaving out the nodes of devices it does not have (PCI, flash, fw_cfg, platform bus, PMU).
 */
class VirtDeviceTreeTest {

    private static final List<String> NODES = List.of("/memory@80000000", "/cpus", "/cpus/cpu@0/interrupt-controller",
            "/soc", "/soc/test@100000", "/soc/rtc@101000", "/soc/clint@2000000", "/soc/plic@c000000",
            "/soc/serial@10000000", "/soc/virtio_mmio@10001000", "/soc/virtio_mmio@10004000",
            "/soc/virtio_mmio@10008000", "/poweroff", "/reboot");
    private static final List<String> PHANDLE_PROPS = List.of("interrupt-parent", "interrupts-extended", "regmap");

    @TempDir
    Path dir;

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
        return out;
    }

    private static boolean dtc() {
        return Files.isExecutable(Path.of("/usr/bin/dtc"));
    }

    /** Node path -> property -> value, phandle references replaced by the path of the node they name. */
    static Map<String, Map<String, String>> parse(String dts) {
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        Map<String, String> byPhandle = new HashMap<>();
        Deque<String> path = new ArrayDeque<>();
        for (String raw : dts.split("\n")) {
            String line = raw.strip();
            if (line.endsWith("{")) {
                String name = line.substring(0, line.length() - 1).strip();
                String parent = path.isEmpty() ? "" : path.peek();
                String full = name.equals("/") ? "/" : (parent.equals("/") ? "" : parent) + "/" + name;
                path.push(full);
                nodes.put(full, new TreeMap<>());
            } else if (line.equals("};")) {
                path.pop();
            } else if (!path.isEmpty() && line.endsWith(";")) {
                String body = line.substring(0, line.length() - 1);
                int eq = body.indexOf(" = ");
                String key = eq < 0 ? body : body.substring(0, eq);
                String value = eq < 0 ? "" : body.substring(eq + 3);
                nodes.get(path.peek()).put(key, value);
                if (key.equals("phandle")) {
                    byPhandle.put(value, path.peek());
                }
            }
        }
        for (Map<String, String> props : nodes.values()) {
            for (String key : PHANDLE_PROPS) {
                String v = props.get(key);
                if (v != null) {
                    String[] cells = v.replace("<", "").replace(">", "").strip().split("\\s+");
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < cells.length; i++) {
                        boolean ref = key.equals("interrupts-extended") ? i % 2 == 0 : true;
                        sb.append(ref ? "&" + byPhandle.get("<" + cells[i] + ">") : cells[i]).append(' ');
                    }
                    props.put(key, sb.toString().strip());
                }
            }
            props.remove("phandle");
        }
        return nodes;
    }

    @Test
    void nodesMatchQemusTree() throws Exception {
        assumeTrue(dtc(), "needs dtc (device-tree-compiler)");
        Path ours = Files.write(dir.resolve("ferry.dtb"), VirtDeviceTree.build(128L << 20, ""));
        Path theirs = dir.resolve("qemu.dtb");
        run(List.of(GuestFixtures.qemu(), "-machine", "virt,dumpdtb=" + theirs, "-cpu", Cpu.QEMU_CPU, "-m", "128M",
                "-bios", "none", "-nographic"));
        Map<String, Map<String, String>> f = parse(run(List.of("dtc", "-I", "dtb", "-O", "dts", ours.toString())));
        Map<String, Map<String, String>> q = parse(run(List.of("dtc", "-I", "dtb", "-O", "dts", theirs.toString())));
        for (String node : NODES) {
            assertThat(f).as("Ferry's tree has %s", node).containsKey(node);
            assertThat(f.get(node)).as("properties of %s", node).isEqualTo(q.get(node));
        }
        assertThat(f.get("/cpus/cpu@0")).as("the hart, with the extensions of QEMU's -cpu " + Cpu.QEMU_CPU)
                .isEqualTo(q.get("/cpus/cpu@0"));
        assertThat(f.get("/soc/plic@c000000").get("interrupts-extended"))
                .as("M-mode context 0 on MEIP (11), S-mode context 1 on SEIP (9)")
                .isEqualTo("&/cpus/cpu@0/interrupt-controller 0x0b &/cpus/cpu@0/interrupt-controller 0x09");
    }
}
