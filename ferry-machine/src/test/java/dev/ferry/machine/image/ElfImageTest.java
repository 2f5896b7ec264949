package dev.ferry.machine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images are checked by size and header before anything else is read, and their segments are streamed into
 * guest memory: neither a huge file nor a large segment costs heap in proportion to its size.
 */
class ElfImageTest {

    private static final long RAM_BASE = 0x8000_0000L;

    @TempDir
    Path dir;

    /** Bytes the calling thread allocated on the heap while {@code action} ran. */
    private static <T> long allocatedBy(Callable<T> action) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.call();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /** An rv64 executable header with one PT_LOAD segment of {@code filesz} bytes at offset 4096. */
    private static byte[] header(long filesz, long memsz) {
        ByteBuffer b = ByteBuffer.allocate(64 + 56).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short) 2).putShort((short) 243).putInt(1).putLong(RAM_BASE).putLong(64).putLong(0);
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(4096).putLong(RAM_BASE).putLong(RAM_BASE).putLong(filesz).putLong(memsz)
                .putLong(4096);
        return b.array();
    }

    /** A sparse file of {@code size} bytes starting with {@code head}: no disk space, no time to write. */
    private Path sparse(String name, byte[] head, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
            f.setLength(size);
        }
        return p;
    }

    @Test
    void aFileLargerThanItsRamIsRefusedByItsSizeAlone() throws Exception {
        Path huge = sparse("huge.elf", header(3L << 30, 3L << 30), 3L << 30);
        long t0 = System.nanoTime();
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> ElfImage.read(huge, 128L << 20))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage(huge + ": the file is 3.0 GiB, larger than the 128.0 MiB of RAM it would load into"));
        assertThat(allocated).isLessThan(1 << 20);
        assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
    }

    @Test
    void aLargeFileThatIsNotAnElfIsRefusedFromItsFirstBytes() throws Exception {
        Path big = sparse("big.bin", "just text".getBytes(), 1536L << 20);
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> ElfImage.read(big))
                .hasMessage(big + ": not an ELF file"));
        assertThat(allocated).isLessThan(1 << 20);
    }

    @Test
    void segmentsAreStreamedIntoGuestMemory() throws Exception {
        long segment = 48L << 20;
        byte[] head = header(segment, segment);
        Path image = sparse("zeros.elf", head, 4096 + segment);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(4096 + segment - 8);
            f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        }
        VirtMachine m = new VirtMachine(new MachineConfig(128L << 20, true, "", new ByteArrayOutputStream()));
        ElfImage elf = ElfImage.read(image, 128L << 20);
        long allocated = allocatedBy(() -> {
            m.boot(elf);
            return null;
        });
        assertThat(allocated).isLessThan(8L << 20);
        assertThat(m.memory().load64(RAM_BASE + segment - 8)).isEqualTo(0x0807_0605_0403_0201L);
        m.close();
    }

    @Test
    void headerErrorsStayClear() throws Exception {
        byte[] head = header(16, 16);
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 8, 1L << 40);
        Path outside = Files.write(dir.resolve("outside.elf"), head);
        assertThatThrownBy(() -> ElfImage.read(outside)).hasMessage(outside + ": ELF segment 0 lies outside the file");

        byte[] many = header(16, 16);
        ByteBuffer.wrap(many).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 0xffff);
        Path table = sparse("table.elf", many, 8L << 20);
        assertThatThrownBy(() -> ElfImage.read(table)).hasMessageContaining("too many program headers");

        Path missing = dir.resolve("missing.elf");
        assertThatThrownBy(() -> ElfImage.read(missing)).hasMessage(missing + ": no such file");
    }

    @Test
    void aFileThatShrankAfterItsCheckIsNotLoaded() throws Exception {
        Path image = sparse("shrinks.elf", header(1 << 20, 1 << 20), 4096 + (1 << 20));
        ElfImage elf = ElfImage.read(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(8192);
        }
        VirtMachine m = new VirtMachine(new MachineConfig(64L << 20, true, "", new ByteArrayOutputStream()));
        assertThatThrownBy(() -> m.boot(elf)).hasMessage(image + ": the file changed since it was checked");
        m.close();
    }

    @Test
    void aHostReadsOnlyItsOwnDirectoryAndSaysTheSameAboutEveryOtherPath() throws Exception {
        GuestImages images = GuestFixtures.images();
        assertThat(images.loadConfined("hello", 64L << 20).segments()).isNotEmpty();
        assertThat(images.loadConfined("hello.elf", 64L << 20).segments()).isNotEmpty();
        assertThat(images.loadConfined(images.buildDir().toAbsolutePath() + "/hello.elf", 64L << 20).segments())
                .isNotEmpty();

        Path secretDir = Files.createDirectory(dir.resolve("private"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path exists = Files.writeString(secretDir.resolve("notes.elf"), "not an elf");
        Path elf = Files.copy(images.buildDir().resolve("hello.elf"), dir.resolve("hello.elf"));
        String[] probes = {exists.toString(), secretDir.resolve("missing.elf").toString(), elf.toString(),
            images.buildDir() + "/../../README.md", "../../README.md", "/etc/shadow", "/etc"};
        for (String probe : probes) {
            assertThatThrownBy(() -> images.loadConfined(probe, 64L << 20)).as(probe)
                    .hasMessage("'" + probe + "' is not a built-in image or a file in this host's image directory; "
                            + "upload the file instead ('ferry vm create --image PATH' does)");
        }
        assertThatThrownBy(() -> images.loadConfined("nope", 64L << 20)).hasMessageStartingWith("unknown image 'nope'");
    }
}
