package dev.ferry.machine.memory;

/** Told when a page that holds decoded code is written, so cached translations of it can be dropped. */
@FunctionalInterface
public interface CodeWriteListener {

    /** Page {@code page} has been (or is about to be) modified. */
    void codeModified(int page);
}
