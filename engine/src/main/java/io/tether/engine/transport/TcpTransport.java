package io.tether.engine.transport;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.TcpFraming;
import io.tether.engine.reactor.Connection;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Raw TCP: every Frame is preceded by its varint32 length. Stateless, so one instance serves every connection. */
public final class TcpTransport extends Transport {
    public static final TcpTransport INSTANCE = new TcpTransport();

    private TcpTransport() {
    }

    @Override
    Framing framing() {
        return Framing.TCP;
    }

    @Override
    int deliver(Connection c, ByteBuffer buffer, UnsafeBuffer view, int maxFrameSize) {
        final int limit = buffer.limit();
        int offset = buffer.position();
        while (offset < limit) {
            final long r = TcpFraming.scan(view, offset, limit, maxFrameSize);
            if (r == TcpFraming.NEED_MORE) {
                break;
            }
            if (r == TcpFraming.MALFORMED_LENGTH) {
                protocolError(c, GoodbyeCode.INVALID_FRAME, "malformed frame length (not a varint32)");
                return -1;
            }
            if (r == TcpFraming.TOO_LARGE) {
                protocolError(c, GoodbyeCode.FRAME_TOO_LARGE, "frame larger than max-frame-size ("
                    + maxFrameSize + " bytes)");
                return -1;
            }
            final int bodyStart = offset + TcpFraming.headerLength(r);
            final int bodyEnd = bodyStart + TcpFraming.bodyLength(r);
            final boolean open;
            try {
                buffer.limit(bodyEnd).position(bodyStart);
                open = onFrameBytes(c, buffer);
            } finally {
                buffer.limit(limit).position(0);
            }
            if (!open) {
                return -1;
            }
            offset = bodyEnd;
        }
        return offset;
    }

    @Override
    int pendingFrameLength(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize) {
        final long header = TcpFraming.header(view, from, end, maxFrameSize);
        return header < 0 ? 0 : TcpFraming.headerLength(header) + TcpFraming.bodyLength(header);
    }
}
