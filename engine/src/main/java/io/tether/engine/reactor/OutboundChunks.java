package io.tether.engine.reactor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One connection's outbound chunks while it has bytes queued, oldest first. Each chunk stays in write mode (its
 * position is where the next byte goes); how far the socket has taken it is kept beside it. The list itself comes
 * from the loop's {@link BufferPool} with the connection's first queued byte and goes back once everything is
 * written, so an idle connection holds neither chunks nor a list, and a burst of writes allocates nothing. Loop
 * thread only.
 */
final class OutboundChunks {
    private static final int INITIAL = 4;

    private ByteBuffer[] chunks = new ByteBuffer[INITIAL];
    private int[] readPositions = new int[INITIAL];
    private int count;

    int count() {
        return count;
    }

    /** The last chunk, where the next bytes go; null when the list is empty. */
    ByteBuffer tail() {
        return count == 0 ? null : chunks[count - 1];
    }

    /** The last chunk when {@code length} more bytes fit in it, else null. */
    ByteBuffer tailWithRoom(int length) {
        final ByteBuffer tail = tail();
        return tail != null && tail.remaining() >= length ? tail : null;
    }

    /** Queues {@code length} bytes written at the chunk's position; the chunk is the tail or becomes it. */
    void append(ByteBuffer chunk, int length) {
        if (tail() != chunk) {
            add(chunk);
        }
        chunk.position(chunk.position() + length);
    }

    private void add(ByteBuffer chunk) {
        if (count == chunks.length) {
            chunks = Arrays.copyOf(chunks, count * 2);
            readPositions = Arrays.copyOf(readPositions, count * 2);
        }
        chunks[count] = chunk;
        readPositions[count] = 0;
        count++;
    }

    /** Puts every chunk in read mode, from where the socket stopped, for one gathering write of {@link #count}. */
    ByteBuffer[] flipForWrite() {
        for (int i = 0; i < count; i++) {
            final ByteBuffer b = chunks[i];
            b.limit(b.position()).position(readPositions[i]);
        }
        return chunks;
    }

    /**
     * Back to write mode after the write; the chunks it took completely go back to the pool.
     *
     * @return whether nothing is left queued
     */
    boolean afterWrite(BufferPool pool) {
        int done = 0;
        for (int i = 0; i < count; i++) {
            final ByteBuffer b = chunks[i];
            final boolean empty = !b.hasRemaining();
            readPositions[i] = b.position();
            b.position(b.limit()).limit(b.capacity());
            if (empty && done == i) {
                done++;
            }
        }
        if (done > 0) {
            for (int i = 0; i < done; i++) {
                pool.release(chunks[i]);
            }
            System.arraycopy(chunks, done, chunks, 0, count - done);
            System.arraycopy(readPositions, done, readPositions, 0, count - done);
            Arrays.fill(chunks, count - done, count, null);
            count -= done;
        }
        return count == 0;
    }

    /** Gives every chunk back (the connection closed) and empties the list. */
    void releaseAll(BufferPool pool) {
        for (int i = 0; i < count; i++) {
            pool.release(chunks[i]);
            chunks[i] = null;
        }
        count = 0;
    }

    /** Empties the list for its next connection; one a long backlog grew goes back to its first size. */
    void reset() {
        Arrays.fill(chunks, 0, count, null);
        count = 0;
        if (chunks.length > INITIAL) {
            chunks = new ByteBuffer[INITIAL];
            readPositions = new int[INITIAL];
        }
    }
}
