package dev.ferry.storage.qcow2;

import static dev.ferry.storage.qcow2.QemuTools.asRaw;
import static dev.ferry.storage.qcow2.QemuTools.check;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: a process writing a qcow2 image is killed with SIGKILL mid-write; {@code qemu-img check} finds no
 * corruption and every record the writer saw flushed is in the image.
 */
class Qcow2KillTest {

    /** Bytes per record. */
    static final int RECORD = 4096;

    @TempDir
    Path dir;

    @Test
    void aWriterKilledMidWriteLeavesACleanImageWithEveryFlushedRecord() throws Exception {
        QemuTools.assumeInstalled();
        Path image = dir.resolve("killed.qcow2");
        Qcow2Image.create(image, 64L << 20);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process writer = new ProcessBuilder(java, "-cp", classpath, KilledWriter.class.getName(), image.toString())
                .redirectErrorStream(true).start();
        int flushed = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                assertThat(line).startsWith("flushed ");
                flushed = Integer.parseInt(line.substring(8));
                if (flushed >= 1500 && writer.isAlive()) {
                    new ProcessBuilder("kill", "-KILL", Long.toString(writer.pid())).start().waitFor();
                }
            }
        } finally {
            writer.destroyForcibly();
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(writer.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(flushed).isGreaterThanOrEqualTo(1500);
        QemuTools.Result check = check(dir, image);
        assertThat(check.status()).as(check.output()).isIn(0, 3);
        byte[] disk = asRaw(dir, image);
        long slots = disk.length / RECORD;
        int later = 0;
        for (int seq = 0; seq < slots; seq++) {
            int at = (int) (slot(seq, slots) * RECORD);
            byte[] found = Arrays.copyOfRange(disk, at, at + RECORD);
            if (seq <= flushed) {
                assertThat(found).as("record " + seq + " (flushed up to " + flushed + ")").isEqualTo(record(seq));
            } else if (Arrays.equals(found, record(seq))) {
                later++;
            } else {
                assertThat(found).as("record " + seq + " never written or lost").containsOnly(0);
            }
        }
        System.out.println("killed after flushing record " + flushed + "; " + later + " later records survived");
    }

    /** Where record {@code seq} goes: a permutation of the disk's record slots that scatters consecutive ones. */
    static long slot(long seq, long slots) {
        return seq * 40_503 % slots;
    }

    /** Record {@code seq}: its number repeated. */
    static byte[] record(int seq) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        while (b.hasRemaining()) {
            b.putInt(seq);
        }
        return b.array();
    }
}
