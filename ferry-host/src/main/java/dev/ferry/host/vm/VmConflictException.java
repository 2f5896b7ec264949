package dev.ferry.host.vm;

/** The VM cannot do this now (it is migrating, or the name is taken); the API answers 409. */
public final class VmConflictException extends RuntimeException {

    /** Creates the exception with the line to show. */
    public VmConflictException(String message) {
        super(message);
    }
}
