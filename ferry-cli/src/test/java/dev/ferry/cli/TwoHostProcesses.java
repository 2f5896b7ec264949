package dev.ferry.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the process-level tests: two host processes {@code a} and {@code b}, always killed afterwards. */
abstract class TwoHostProcesses {

    @TempDir
    Path dir;
    HostProcess a;
    HostProcess b;

    @AfterEach
    void killHosts() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }
}
