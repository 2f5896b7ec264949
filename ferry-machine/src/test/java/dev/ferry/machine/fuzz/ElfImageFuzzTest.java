package dev.ferry.machine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @FuzzTest(maxDuration = "3s")
    void elfImage(byte[] bytes) throws Exception {
        Files.write(file, bytes);
        FuzzProperty.holds(16L << 20, List.of(ImageFormatException.class), () -> {
            ElfImage image = ElfImage.read(file);
            image.lowestAddress();
            image.highestAddress();
        });
    }
}
