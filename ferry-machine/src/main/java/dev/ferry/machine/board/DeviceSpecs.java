package dev.ferry.machine.board;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads disk and network-interface specifications as users write them — {@code file=disk.img,format=raw
 * [,readonly=on]} after QEMU's {@code -drive}, {@code tap:NAME[,mac=52:54:00:12:34:56]} for a NIC — and checks a
 * disk's file before a machine is built, so that bad input gets one line naming what is wrong, on the command line
 * and in the host API alike.
 */
public final class DeviceSpecs {

    /** Sector size: a raw disk image must be a whole number of sectors. */
    public static final int SECTOR = 512;
    /** The MAC QEMU gives its first NIC; the n-th gets the last byte plus n. */
    public static final String FIRST_MAC = "52:54:00:12:34:56";

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final Pattern TAP_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    private DeviceSpecs() {
    }

    /**
     * A drive from {@code file=PATH[,format=raw|qcow2][,readonly=on|off]}, or an NBD export from
     * {@code nbd://HOST[:PORT]/EXPORT[,readonly=on|off]}. The path is not checked here; see {@link #checkDrive}.
     *
     * @throws IllegalArgumentException with a one-line reason when the spec is malformed
     */
    public static DriveConfig parseDrive(String spec) {
        if (spec.startsWith("nbd://") || spec.startsWith("nbd+unix://")) {
            int comma = spec.indexOf(',');
            String address = comma < 0 ? spec : spec.substring(0, comma);
            Map<String, String> kv = comma < 0 ? Map.of()
                    : keyValues(spec.substring(comma + 1), "--drive", List.of("readonly"));
            return new DriveConfig(address, DriveConfig.NBD, onOff(spec, "readonly", kv.getOrDefault("readonly",
                    "off")));
        }
        Map<String, String> kv = keyValues(spec, "--drive", List.of("file", "format", "readonly"));
        String file = kv.get("file");
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("--drive '" + spec + "': give the disk image as file=PATH");
        }
        String format = kv.getOrDefault("format", "raw");
        if (!format.equals("raw") && !format.equals("qcow2")) {
            throw new IllegalArgumentException("--drive '" + spec + "': format '" + format
                    + "' is not supported (raw and qcow2 are)");
        }
        boolean readOnly = onOff(spec, "readonly", kv.getOrDefault("readonly", "off"));
        try {
            return new DriveConfig(Path.of(file), format, readOnly);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--drive '" + spec + "': '" + file + "' is not a file name");
        }
    }

    /**
     * A NIC from {@code tap:NAME[,mac=MAC]}, {@code switch[,mac=MAC]} (a port of the host's virtual switch) or
     * {@code none[,mac=MAC]}; without a MAC, the {@code index}-th NIC of
     * the machine gets QEMU's default for it ({@code 52:54:00:12:34:56} plus {@code index}).
     *
     * @throws IllegalArgumentException with a one-line reason when the spec is malformed or the MAC is not a
     *                                  unicast address
     */
    public static NicConfig parseNic(String spec, int index) {
        int comma = spec.indexOf(',');
        String backend = comma < 0 ? spec : spec.substring(0, comma);
        Map<String, String> kv = comma < 0 ? Map.of() : keyValues(spec.substring(comma + 1), "--nic", List.of("mac"));
        if (backend.startsWith("tap:")) {
            String name = backend.substring(4);
            if (!TAP_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("--nic '" + spec + "': '" + name + "' is not a TAP device name "
                        + "(1 to 15 letters, digits, '.', '_', '-')");
            }
        } else if (!backend.equals("none") && !backend.equals(NicConfig.SWITCH)) {
            throw new IllegalArgumentException("--nic '" + spec + "': the back end must be tap:NAME, switch or none");
        }
        String mac = kv.containsKey("mac") ? kv.get("mac") : defaultMac(index);
        checkMac(mac, "--nic '" + spec + "'");
        return new NicConfig(mac.toLowerCase(Locale.ROOT), backend);
    }

    /** QEMU's default MAC for the {@code index}-th NIC. */
    public static String defaultMac(int index) {
        return String.format("52:54:00:12:34:%02x", (0x56 + index) & 0xff);
    }

    /**
     * Checks that {@code mac} is six hex bytes and a unicast, non-zero address.
     *
     * @throws IllegalArgumentException naming {@code where} when it is not
     */
    public static void checkMac(String mac, String where) {
        if (!MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException(where + ": '" + mac + "' is not a MAC address (six hex bytes such as "
                    + FIRST_MAC + ")");
        }
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException(where + ": MAC " + mac + " is a multicast address; a NIC needs a "
                    + "unicast one (first byte even)");
        }
        if (mac.replace(":", "").chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException(where + ": MAC " + mac + " is all zeros");
        }
    }

    /**
     * Checks a drive's file: it exists, is a regular file, can be read, and can be written unless the drive is
     * read-only; a raw file holds a whole number of 512-byte sectors, a qcow2 file starts with qcow2's magic (the
     * storage layer validates the rest of its header when it opens the image). An NBD export is checked when it is
     * opened.
     *
     * @throws IllegalArgumentException with a one-line reason when it cannot serve as the disk
     */
    public static void checkDrive(DriveConfig drive) {
        if (!drive.isFile()) {
            return;
        }
        Path f = drive.file();
        if (!Files.exists(f)) {
            throw new IllegalArgumentException("drive " + f + ": no such file");
        }
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("drive " + f + ": not a regular file");
        }
        if (!Files.isReadable(f)) {
            throw new IllegalArgumentException("drive " + f + ": permission denied");
        }
        long size;
        try {
            size = Files.size(f);
        } catch (IOException e) {
            throw new IllegalArgumentException("drive " + f + ": cannot read: " + e.getMessage());
        }
        if (drive.format().equals("qcow2")) {
            checkQcow2Magic(f);
        } else if (size % SECTOR != 0) {
            throw new IllegalArgumentException("drive " + f + ": " + size + " bytes is not a multiple of " + SECTOR
                    + " (a raw disk image holds whole sectors)");
        }
        if (!drive.readOnly() && readOnly(f)) {
            throw new IllegalArgumentException("drive " + f + ": the file is read-only; attach it with readonly=on");
        }
    }

    private static void checkQcow2Magic(Path f) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(f)) {
            if (in.readNBytes(head, 0, 4) < 4 || !Arrays.equals(head, QCOW2_MAGIC)) {
                throw new IllegalArgumentException("drive " + f + ": not a qcow2 image (no QFI\\xfb magic)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("drive " + f + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * A file this process may not write, or whose mode gives no one write permission: root may write such a file,
     * but its owner marked it read-only, and a guest should not change it behind the mark.
     */
    private static boolean readOnly(Path f) {
        if (!Files.isWritable(f)) {
            return true;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            return !perms.contains(PosixFilePermission.OWNER_WRITE) && !perms.contains(PosixFilePermission.GROUP_WRITE)
                    && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (UnsupportedOperationException | IOException e) {
            return false;
        }
    }

    private static Map<String, String> keyValues(String spec, String option, List<String> keys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : splitCommas(spec)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(option + " '" + spec + "': '" + part + "' is not KEY=VALUE");
            }
            String key = part.substring(0, eq);
            if (!keys.contains(key)) {
                throw new IllegalArgumentException(option + " '" + spec + "': unknown key '" + key + "' (known: "
                        + String.join(", ", keys) + ")");
            }
            if (out.put(key, part.substring(eq + 1)) != null) {
                throw new IllegalArgumentException(option + " '" + spec + "': " + key + " given twice");
            }
        }
        return out;
    }

    /** Splits at single commas; a doubled comma stands for a comma in a value, as in QEMU's option syntax. */
    private static List<String> splitCommas(String s) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' && i + 1 < s.length() && s.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (c == ',') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static boolean onOff(String spec, String key, String v) {
        return switch (v) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("--drive '" + spec + "': " + key + "=" + v
                    + " (on or off expected)");
        };
    }
}
