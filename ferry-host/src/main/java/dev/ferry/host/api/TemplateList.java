package dev.ferry.host.api;

import dev.ferry.host.template.TemplateManifest;
import java.util.List;

/**
 * {@code GET /v1/templates}: every template in the host's template directory.
 *
 * @param directory the template directory
 * @param templates the templates, by name
 */
public record TemplateList(String directory, List<Entry> templates) {

    /**
     * One template: its manifest, or why it cannot be used.
     *
     * @param name     the template's name
     * @param template its manifest, or {@code null} when it is broken
     * @param error    why it cannot be used, or {@code null}
     */
    public record Entry(String name, TemplateManifest template, String error) { }
}
