package dev.ferry.machine.memory;

/**
 * A vCPU gave up waiting for a page that is not present (post-copy), because its thread was interrupted —
 * the VM is being shut down while its migration source cannot deliver the page.
 */
public final class PageUnavailableException extends RuntimeException {

    /** Creates the exception for {@code page}. */
    public PageUnavailableException(int page) {
        super("gave up waiting for page " + page + " from the migration source");
    }
}
