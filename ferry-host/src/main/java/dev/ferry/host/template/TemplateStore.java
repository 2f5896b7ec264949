package dev.ferry.host.template;

import com.fasterxml.jackson.core.JacksonException;
import dev.ferry.host.api.ApiException;
import dev.ferry.host.api.ErrorCode;
import dev.ferry.host.api.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The templates in a host's template directory, which hosts may share: each template is a directory named after it
 * holding {@code template.json} and the files it names. A template appears all at once: it is written into a
 * hidden temporary directory ({@code .tmp-NAME-ID}) that is renamed into place when complete, so a host that reads
 * the directory meanwhile sees it whole or not at all, and a failure leaves nothing behind. Deleting renames it
 * away ({@code .del-NAME-ID}) before removing its files. Names starting with a dot are never templates.
 */
public final class TemplateStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final Path dir;

    /** The templates in {@code dir}. */
    public TemplateStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The template directory. */
    public Path directory() {
        return dir;
    }

    /**
     * Checks a template name: letters, digits, {@code .}, {@code _}, {@code -}, up to 63 characters, starting with a
     * letter or digit, and no {@code ..}; so a name is always one plain directory entry.
     *
     * @throws ApiException 400 otherwise
     */
    public static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name: give the template a name");
        }
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw ApiException.badRequest("name: '" + name + "' is not a template name (letters, digits, '.', '_', "
                    + "'-'; up to 63 characters, starting with a letter or digit; no '/' and no '..')");
        }
        return name;
    }

    /** The directory of template {@code name} (checked). */
    public Path path(String name) {
        return dir.resolve(checkName(name));
    }

    /** True when a template (or anything else) of this name is in the directory. */
    public boolean exists(String name) {
        return Files.exists(path(name));
    }

    /** A template as a listing shows it: its manifest, or why it cannot be used. */
    public record Listed(String name, TemplateManifest manifest, String error) { }

    /** Every template in the directory, by name; broken ones with their error. */
    public List<Listed> list() throws IOException {
        List<Listed> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(p) || !NAME.matcher(name).matches()) {
                    continue;
                }
                try {
                    out.add(new Listed(name, read(name), null));
                } catch (ApiException e) {
                    out.add(new Listed(name, null, e.getMessage()));
                }
            }
        }
        out.sort(Comparator.comparing(Listed::name));
        return out;
    }

    /**
     * Reads and checks template {@code name}: its manifest is of this format, names this template, and every file
     * it names is a plain name present in the directory.
     *
     * @throws ApiException 404 when there is no such template, 409 ({@code bad_template}) when it cannot be used
     */
    public TemplateManifest read(String name) {
        Path t = path(name);
        if (!Files.isDirectory(t)) {
            throw ApiException.notFound("no template named '" + name + "' in " + dir);
        }
        Path file = t.resolve(TemplateManifest.FILE);
        TemplateManifest m;
        try {
            m = Json.tolerant().readValue(Files.readAllBytes(file), TemplateManifest.class);
        } catch (NoSuchFileException e) {
            throw bad(name, "it has no " + TemplateManifest.FILE);
        } catch (JacksonException e) {
            throw bad(name, TemplateManifest.FILE + " is not a template manifest (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw bad(name, TemplateManifest.FILE + " cannot be read: " + e.getMessage());
        }
        if (m == null) {
            throw bad(name, TemplateManifest.FILE + " is empty");
        }
        if (m.formatVersion() != TemplateManifest.FORMAT_VERSION) {
            throw bad(name, "format version " + m.formatVersion() + " (this host reads "
                    + TemplateManifest.FORMAT_VERSION + ")");
        }
        if (!name.equals(m.name())) {
            throw bad(name, TemplateManifest.FILE + " names template '" + m.name() + "'");
        }
        if (m.boot() == null || m.boot().kernel() == null) {
            throw bad(name, TemplateManifest.FILE + " names nothing to boot");
        }
        for (TemplateManifest.Disk d : m.disks()) {
            if (d == null || d.file() == null) {
                throw bad(name, TemplateManifest.FILE + " has a disk without a file");
            }
        }
        for (String f : m.files()) {
            if (!NAME.matcher(f).matches() || f.contains("..") || f.equals(TemplateManifest.FILE)) {
                throw bad(name, TemplateManifest.FILE + " names file '" + f + "', which is not a plain file name");
            }
            if (!Files.isRegularFile(t.resolve(f))) {
                throw bad(name, "file " + f + " is missing");
            }
        }
        return m;
    }

    private static ApiException bad(String name, String why) {
        return new ApiException(ErrorCode.BAD_TEMPLATE, "template '" + name + "' cannot be used: " + why);
    }

    /** Writes a template's files into the directory it is given and answers its manifest. */
    @FunctionalInterface
    public interface Contents {
        /** Writes every file into {@code into} (an empty directory) and returns the manifest naming them. */
        TemplateManifest write(Path into) throws Exception;
    }

    /**
     * Creates template {@code name}: {@code contents} fills a temporary directory, the manifest is written and
     * synced, and the directory is renamed into place. On any failure, or when a template of that name appeared
     * meanwhile (409), the temporary directory is removed and nothing is left.
     */
    public TemplateManifest create(String name, Contents contents) throws Exception {
        Path target = path(name);
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".tmp-" + name + "-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            TemplateManifest m = contents.write(tmp);
            Path manifest = tmp.resolve(TemplateManifest.FILE);
            Files.write(manifest, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            force(manifest);
            force(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (Files.exists(target)) {
                    throw ApiException.conflict("a template named '" + name + "' already exists in " + dir);
                }
                throw e;
            }
            force(dir);
            return m;
        } catch (Exception e) {
            try {
                removeTree(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Deletes template {@code name}: renamed away first, so no host starts a VM on half a template, then removed.
     *
     * @throws ApiException 404 when there is none
     */
    public void delete(String name) throws IOException {
        Path t = path(name);
        if (!Files.isDirectory(t)) {
            throw ApiException.notFound("no template named '" + name + "' in " + dir);
        }
        Path away = dir.resolve(".del-" + name + "-" + UUID.randomUUID());
        try {
            Files.move(t, away, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            throw ApiException.notFound("no template named '" + name + "' in " + dir);
        }
        removeTree(away);
    }

    /** Forces a file or directory to stable storage. */
    static void force(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void removeTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
