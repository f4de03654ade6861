package io.tether.engine.transport;

import io.tether.codec.FrameDecoder;
import io.tether.codec.InvalidFrameException;
import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/** For tests that write frames to a connection and read them at the socket's other end. */
public final class TestFrames {
    /** A handler that ignores what arrives, with generous limits. */
    public static final FrameHandler SILENT = new FrameHandler() {
        private final ConnectionLimits limits = new ConnectionLimits(8 << 20, 16 << 20, 4 << 20, 30_000, 10_000);

        @Override
        public void onOpen(Connection c) {
        }

        @Override
        public void onFrame(Connection c, Frame frame) {
        }

        @Override
        public void onClosed(Connection c, int code, String reason) {
        }

        @Override
        public ConnectionLimits limits() {
            return limits;
        }
    };

    private TestFrames() {
    }

    /** Reads one varint-framed tether frame from a blocking socket (the peer end of a TCP connection). */
    public static Frame read(SocketChannel peer) throws IOException, InvalidFrameException {
        final DataInputStream in = new DataInputStream(peer.socket().getInputStream());
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            final int b = in.readUnsignedByte();
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        final byte[] body = new byte[length];
        in.readFully(body);
        return FrameDecoder.decode(body, 0, length);
    }
}
