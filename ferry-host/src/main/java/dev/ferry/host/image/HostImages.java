package dev.ferry.host.image;

import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The images a host boots: those of its image directory ({@link GuestImages#loadConfined}: built-in names and
 * files in it) and images clients uploaded. An upload is streamed into a directory only the host's user can
 * read, checked as an ELF image, and named {@code NAME@HASH} after the file name the client gave and the first
 * 12 hex digits of its SHA-256, so uploading the same file again gives the same name. Uploads live as long as
 * the host; it keeps the most recent {@code maxUploads} and deletes the rest.
 */
public final class HostImages implements AutoCloseable {

    /** Separates the name and the hash of an uploaded image. */
    public static final String UPLOADED = "@";

    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    private static final int HASH_DIGITS = 12;

    private final GuestImages directory;
    private final Path uploads;
    private final long maxUploadBytes;
    private final int maxUploads;
    private final Map<String, Path> uploaded = new LinkedHashMap<>();
    private long sequence;

    private HostImages(GuestImages directory, Path uploads, long maxUploadBytes, int maxUploads) {
        this.directory = directory;
        this.uploads = uploads;
        this.maxUploadBytes = maxUploadBytes;
        this.maxUploads = maxUploads;
    }

    /**
     * Images of {@code directory}, plus uploads of at most {@code maxUploadBytes} each, the last
     * {@code maxUploads} of them kept in a new private temporary directory.
     */
    public static HostImages open(GuestImages directory, long maxUploadBytes, int maxUploads) throws IOException {
        Path uploads = Files.createTempDirectory("ferry-images-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new HostImages(directory, uploads, maxUploadBytes, maxUploads);
    }

    /** The host's image directory. */
    public GuestImages directory() {
        return directory;
    }

    /** The largest image a client may upload. */
    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    /** Names of the built-in images. */
    public List<String> builtIn() {
        return directory.names();
    }

    /** Names of the uploaded images held, oldest first. */
    public synchronized List<String> uploaded() {
        return new ArrayList<>(uploaded.keySet());
    }

    /** Reads the image a client named — built-in, in the image directory, or uploaded — for {@code ramBytes}. */
    public ElfImage load(String image, long ramBytes) throws ImageFormatException {
        if (!image.contains(UPLOADED)) {
            return directory.loadConfined(image, ramBytes);
        }
        Path file;
        synchronized (this) {
            file = uploaded.get(image);
        }
        if (file == null) {
            throw new ImageFormatException("no uploaded image '" + image + "' on this host (uploads last as long "
                    + "as the host, the last " + maxUploads + " of them); upload it again");
        }
        return ElfImage.read(file, Path.of(image), ramBytes);
    }

    /** The file of the image a client named — built-in, in the image directory, or uploaded. */
    public Path file(String image) throws ImageFormatException {
        if (image.contains(UPLOADED)) {
            synchronized (this) {
                Path file = uploaded.get(image);
                if (file == null) {
                    throw new ImageFormatException("no uploaded image '" + image + "' on this host");
                }
                return file;
            }
        }
        if (!image.contains("/") && !image.endsWith(".elf")) {
            return directory.resolve(image);
        }
        return directory.confinedFile(image, "image");
    }

    /** An image stored by {@link #upload}. */
    public record Upload(String image, long bytes) { }

    /**
     * Stores the {@code length} bytes of {@code body} as an image called after {@code fileName} and checks it.
     *
     * @throws ImageFormatException when the bytes are not an rv64 ELF image or more than the limit
     * @throws IOException          when the body ends early or cannot be stored
     */
    public Upload upload(String fileName, long length, InputStream body) throws IOException, ImageFormatException {
        String name = safeName(fileName);
        if (length > maxUploadBytes) {
            throw new ImageFormatException(name + ": " + length + " bytes is more than this host takes ("
                    + maxUploadBytes + ")");
        }
        Path tmp;
        synchronized (this) {
            tmp = uploads.resolve(".upload-" + (++sequence));
        }
        MessageDigest sha256 = sha256();
        try {
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha256)) {
                long copied = body.transferTo(out);
                if (copied != length) {
                    throw new IOException("the upload ended after " + copied + " of " + length + " bytes");
                }
            }
            String image = name + UPLOADED + HexFormat.of().formatHex(sha256.digest()).substring(0, HASH_DIGITS);
            ElfImage.read(tmp, Path.of(image), maxUploadBytes);
            Path file = uploads.resolve(image);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            keep(image, file);
            return new Upload(image, length);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private synchronized void keep(String image, Path file) throws IOException {
        uploaded.remove(image);
        uploaded.put(image, file);
        Iterator<Map.Entry<String, Path>> oldest = uploaded.entrySet().iterator();
        while (uploaded.size() > maxUploads) {
            Path evicted = oldest.next().getValue();
            oldest.remove();
            Files.deleteIfExists(evicted);
        }
    }

    /** The client's file name reduced to letters, digits, '.', '_' and '-'. */
    private static String safeName(String fileName) {
        String base = fileName == null ? "" : fileName.substring(fileName.lastIndexOf('/') + 1);
        String safe = UNSAFE.matcher(base).replaceAll("_");
        if (safe.length() > 48) {
            safe = safe.substring(safe.length() - 48);
        }
        return safe.isEmpty() || safe.startsWith(".") ? "image" + safe : safe;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes every uploaded image. */
    @Override
    public synchronized void close() {
        uploaded.clear();
        try (Stream<Path> files = Files.list(uploads)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(uploads);
        } catch (IOException e) {
            // left for the system's temporary-file cleaning
        }
    }
}
