package io.tether.tls;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a {@link TlsConnection} puts encrypted bytes: the connection's socket, as the engine
 * sees it. {@code SocketChannel::write} fits.
 */
@FunctionalInterface
public interface NetworkSink {
    /**
     * Writes as many bytes as the socket takes now, without blocking, and advances the buffer's
     * position past them.
     *
     * @return the number of bytes written, possibly zero.
     */
    int write(ByteBuffer encrypted) throws IOException;
}
