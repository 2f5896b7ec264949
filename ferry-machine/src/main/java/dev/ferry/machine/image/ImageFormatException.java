package dev.ferry.machine.image;

/** A guest image that cannot be loaded; the message is one line a user can act on. */
public final class ImageFormatException extends Exception {

    /** Creates the exception with a user-facing message. */
    public ImageFormatException(String message) {
        super(message);
    }
}
