package dev.ferry.host.clone;

import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.ErrorCode;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The live snapshot of a cloned VM's writable disk files: at the clone instant each file becomes a read-only base,
 * the VM goes on writing a new qcow2 overlay over it, and every clone gets an overlay of its own, all in the host's
 * disks directory. Nothing writes a base afterwards, so it holds the disk exactly as it was at that instant. NBD and
 * read-only disks are not touched: the clones share them.
 */
final class LiveDiskSnapshot {

    /**
     * One writable disk file.
     *
     * @param index         the drive's index in the VM's configuration
     * @param file          the file, the base from the clone instant on
     * @param format        its format ({@code raw} or {@code qcow2})
     * @param parentOverlay where the VM goes on writing
     */
    private record Base(int index, Path file, String format, Path parentOverlay) { }

    private final List<Base> bases;
    private final Path disksDir;

    private LiveDiskSnapshot(List<Base> bases, Path disksDir) {
        this.bases = bases;
        this.disksDir = disksDir;
    }

    /** The writable disk files of VM {@code vm} with configuration {@code config}; overlays go to {@code disksDir}. */
    static LiveDiskSnapshot of(String vm, MachineConfig config, Path disksDir) {
        List<Base> bases = new ArrayList<>();
        List<DriveConfig> drives = config.drives();
        long stamp = System.currentTimeMillis();
        for (int i = 0; i < drives.size(); i++) {
            DriveConfig d = drives.get(i);
            if (d.isFile() && !d.readOnly()) {
                bases.add(new Base(i, d.file().toAbsolutePath(), d.format(),
                        disksDir.resolve(vm + "-" + stamp + "-disk" + i + ".qcow2")));
            }
        }
        return new LiveDiskSnapshot(List.copyOf(bases), disksDir);
    }

    /**
     * Clone {@code clone}'s drives: the VM's, each writable file replaced by the clone's overlay.
     *
     * @throws ApiException 409 if an overlay file of that clone exists already
     */
    List<DriveConfig> drivesFor(String clone, List<DriveConfig> drives) {
        List<DriveConfig> out = new ArrayList<>(drives);
        for (Base b : bases) {
            Path overlay = cloneOverlay(b, clone);
            if (Files.exists(overlay)) {
                throw ApiException.conflict("clone " + clone + "'s disk " + overlay + " exists already; remove it or "
                        + "give another prefix");
            }
            out.set(b.index(), new DriveConfig(overlay, "qcow2", false));
        }
        return out;
    }

    /**
     * Moves the paused VM onto its overlays: flushes each disk, creates the overlay over its file and puts it
     * behind the device. vCPU stopped.
     *
     * @throws ApiException 500 if an overlay cannot be created or opened (the disks switched so far stay switched)
     */
    void take(VirtMachine vm, BlockBackendFactory disks, Consumer<String> log) {
        for (Base b : bases) {
            try {
                vm.disks().get(b.index()).backend().flush();
                Qcow2Image.createOverlay(b.parentOverlay(), b.file(), b.format());
                BlockBackend overlay = disks.open(b.parentOverlay().toString(), "qcow2", false);
                vm.replaceDrive(b.index(), new DriveConfig(b.parentOverlay(), "qcow2", false), overlay).close();
            } catch (IOException e) {
                throw new ApiException(ErrorCode.INTERNAL, "disk " + b.file() + " could not be snapshotted: "
                        + e.getMessage());
            }
            log.accept("disk " + b.file() + " is a read-only base now; the VM writes " + b.parentOverlay());
        }
    }

    /**
     * Creates clone {@code clone}'s overlays over the bases, adding each file to {@code created} (so a failed request
     * can remove them).
     *
     * @throws ApiException 500 if one cannot be created
     */
    void createOverlays(String clone, List<Path> created) {
        for (Base b : bases) {
            Path overlay = cloneOverlay(b, clone);
            try {
                Qcow2Image.createOverlay(overlay, b.file(), b.format());
            } catch (IOException e) {
                throw new ApiException(ErrorCode.INTERNAL, "clone " + clone + ": overlay " + overlay
                        + " could not be created: " + e.getMessage());
            }
            created.add(overlay);
        }
    }

    private Path cloneOverlay(Base b, String clone) {
        return disksDir.resolve(clone + "-disk" + b.index() + ".qcow2");
    }
}
