package io.tether.engine.reactor;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's outbound chunks: direct buffers of one size, handed to connections while they have bytes
 * queued and taken back as soon as those bytes are written, so an idle connection owns none. The lists that hold a
 * connection's chunks ({@link OutboundChunks}) are lent the same way. Single-threaded.
 */
final class BufferPool {
    static final int CHUNK_SIZE = 16 * 1024;

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<OutboundChunks> freeLists = new ArrayDeque<>();
    private final int maxPooled;

    BufferPool(int maxPooled) {
        this.maxPooled = maxPooled;
    }

    /** A cleared chunk of at least {@code minCapacity} bytes; frames larger than a chunk get their own buffer. */
    ByteBuffer acquire(int minCapacity) {
        if (minCapacity > CHUNK_SIZE) {
            return ByteBuffer.allocateDirect(minCapacity);
        }
        final ByteBuffer b = free.pollFirst();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(CHUNK_SIZE);
    }

    void release(ByteBuffer buffer) {
        if (buffer.capacity() == CHUNK_SIZE && free.size() < maxPooled) {
            free.addFirst(buffer);
        }
    }

    /** An empty chunk list for a connection that is about to queue bytes. */
    OutboundChunks acquireList() {
        final OutboundChunks list = freeLists.pollFirst();
        return list != null ? list : new OutboundChunks();
    }

    /** Takes back a list whose chunks were all written or released. */
    void releaseList(OutboundChunks list) {
        list.reset();
        if (freeLists.size() < maxPooled) {
            freeLists.addFirst(list);
        }
    }
}
