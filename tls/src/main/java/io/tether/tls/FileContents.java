package io.tether.tls;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of a set of files read at one moment, with a SHA-256 digest over all of them.
 * <p>
 * Material is parsed from these bytes, and reload decisions compare digests, so what was
 * validated is exactly what is compared next time, whatever the files do in between.
 */
final class FileContents {
    private final Map<Path, byte[]> contents;
    private final byte[] digest;

    private FileContents(final Map<Path, byte[]> contents, final byte[] digest) {
        this.contents = contents;
        this.digest = digest;
    }

    /**
     * Reads each file (nulls are skipped).
     *
     * @throws TlsMaterialException naming the first file that cannot be read.
     */
    static FileContents read(final Path... files) {
        final MessageDigest sha256 = sha256();
        final Map<Path, byte[]> contents = new LinkedHashMap<>();
        for (final Path file : files) {
            if (file != null && !contents.containsKey(file)) {
                final byte[] bytes = PemReader.readFile(file);
                contents.put(file, bytes);
                // The path and length go in too, so moving bytes between files changes the digest.
                sha256.update(file.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha256.update(longBytes(bytes.length));
                sha256.update(bytes);
            }
        }
        return new FileContents(contents, sha256.digest());
    }

    /** @return the bytes read for the file; the file must have been one of those read. */
    byte[] bytes(final Path file) {
        final byte[] bytes = contents.get(file);
        if (bytes == null) {
            throw new IllegalArgumentException("not read: " + file);
        }
        return bytes;
    }

    boolean sameAs(final FileContents other) {
        return other != null && MessageDigest.isEqual(digest, other.digest);
    }

    /** @return a copy of the digest. */
    byte[] digest() {
        return Arrays.copyOf(digest, digest.length);
    }

    private static byte[] longBytes(final long value) {
        final byte[] bytes = new byte[Long.BYTES];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte)(value >>> (56 - 8 * i));
        }
        return bytes;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }
}
