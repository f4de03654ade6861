package io.tether.tls;

import java.nio.file.Path;

/**
 * TLS material (a certificate, key, CA bundle or password file) that cannot be used, with the
 * file it came from and what is wrong with it. The message is meant for an operator's terminal.
 */
public final class TlsMaterialException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public TlsMaterialException(final Path file, final String problem) {
        this(file, problem, null);
    }

    public TlsMaterialException(final Path file, final String problem, final Throwable cause) {
        super(file == null ? problem : file + ": " + problem, cause);
        this.file = file;
    }

    /**
     * @return the file at fault, or null when the problem is not one file's (for example a
     * context that does not build).
     */
    public Path file() {
        return file;
    }
}
