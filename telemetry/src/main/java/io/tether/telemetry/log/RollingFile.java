package io.tether.telemetry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A log file that rolls by size: when the next write would take {@code FILE} past {@code maxSize}, it is renamed
 * {@code FILE.N} (N one above the highest there is) and a new {@code FILE} is started. Rolled files beyond
 * {@code maxCount}, or beyond {@code maxTotal} bytes with the current file, are deleted oldest first. Only files
 * named {@code FILE.<digits>} are ever deleted. A write that fails part-way is cut off again, so the file holds
 * whole lines only. Used from the writer thread alone.
 */
public final class RollingFile implements LogTarget {
    private final Path file;
    private final long maxSize;
    private final int maxCount;
    private final long maxTotal;
    private FileChannel channel;
    private long size;

    public RollingFile(Path file, long maxSize, int maxCount, long maxTotal) {
        this.file = file.toAbsolutePath();
        this.maxSize = maxSize;
        this.maxCount = maxCount;
        this.maxTotal = maxTotal;
    }

    public Path file() {
        return file;
    }

    @Override
    public Path directory() {
        return file.getParent();
    }

    @Override
    public void write(byte[] bytes, int length) throws IOException {
        if (channel == null) {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            size = channel.size();
        }
        if (size > 0 && size + length > maxSize) {
            roll();
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
            size += length;
        } catch (IOException e) {
            try {
                channel.truncate(size); // no half line stays behind
            } catch (IOException ignored) {
                closeChannel();
            }
            throw e;
        }
    }

    private void roll() throws IOException {
        closeChannel();
        final List<Rolled> rolled = rolled();
        final long next = rolled.isEmpty() ? 1 : rolled.get(rolled.size() - 1).seq() + 1;
        Files.move(file, file.resolveSibling(file.getFileName() + "." + next), StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
        size = 0;
        prune();
    }

    private void prune() throws IOException {
        final List<Rolled> rolled = rolled();
        long total = size;
        for (Rolled r : rolled) {
            total += r.size();
        }
        for (int i = 0; i < rolled.size() && (rolled.size() - i > maxCount || total > maxTotal); i++) {
            Files.deleteIfExists(rolled.get(i).path());
            total -= rolled.get(i).size();
        }
    }

    @Override
    public boolean deleteOldestRolled() {
        try {
            final List<Rolled> rolled = rolled();
            if (rolled.isEmpty()) {
                return false;
            }
            Files.deleteIfExists(rolled.get(0).path());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** This file's rolled files, oldest first. */
    List<Rolled> rolled() throws IOException {
        final String prefix = file.getFileName() + ".";
        final List<Rolled> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(file.getParent(), prefix + "*")) {
            for (Path p : dir) {
                final String suffix = p.getFileName().toString().substring(prefix.length());
                if (!suffix.isEmpty() && suffix.length() < 18 && suffix.chars().allMatch(Character::isDigit)) {
                    out.add(new Rolled(p, Long.parseLong(suffix), Files.size(p)));
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }

    record Rolled(Path path, long seq, long size) {
    }

    @Override
    public void flush() throws IOException {
        // FileChannel writes reach the kernel at once; nothing is buffered here.
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a file we only appended to
            }
            channel = null;
        }
    }

    @Override
    public void close() {
        closeChannel();
    }
}
