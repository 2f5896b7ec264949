package dev.ferry.machine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Image files of arbitrary bytes: {@link ElfImage#read} gives an image or an {@link ImageFormatException}, and
 * what it reads is bounded by the file, whatever the headers claim.
 */
class ElfImageFuzzTest {

    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("ferry-fuzz-", ".elf");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * An rv64 executable's ELF header (magic, class, byte order, type and machine right) with the program-header
     * fields from the fuzzer, then the rest of the input: so that the fuzzer reaches the segments.
     */
    private static byte[] rv64(FuzzedDataProvider data) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 243).putLong(24, data.consumeLong())
                .putLong(32, data.consumeBoolean() ? 64 : data.consumeLong())
                .putShort(54, (short) (data.consumeBoolean() ? 56 : data.consumeInt(0, 0xffff)))
                .putShort(56, (short) data.consumeInt(0, 0xffff));
        byte[] rest = data.consumeRemainingAsBytes();
        byte[] out = Arrays.copyOf(b.array(), 64 + rest.length);
        System.arraycopy(rest, 0, out, 64, rest.length);
        return out;
    }

    @FuzzTest(maxDuration = "3s")
    void elfImage(FuzzedDataProvider data) throws Exception {
        byte[] bytes = data.consumeBoolean() ? data.consumeRemainingAsBytes() : rv64(data);
        Files.write(file, bytes);
        FuzzProperty.holds(16L << 20, List.of(ImageFormatException.class), () -> {
            ElfImage image = ElfImage.read(file);
            image.lowestAddress();
            image.highestAddress();
        });
    }
}
