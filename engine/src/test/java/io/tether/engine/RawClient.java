package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.HandWire.Fields;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A blocking client on a plain {@link Socket} that speaks tether through {@link HandWire} only: what any client
 * written from tether.proto would send and see. Every read gives up after ten seconds, so a server that stays
 * silent fails the test instead of hanging it.
 */
final class RawClient implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private long nextId;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    static RawClient connect(InetSocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /** Connects with a small receive buffer when {@code receiveBuffer} is positive, so the kernel holds little. */
    static RawClient connect(InetSocketAddress address, int receiveBuffer) throws IOException {
        final Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.connect(address, READ_TIMEOUT_MS);
        return new RawClient(socket);
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendFrame(byte[] frame) throws IOException {
        send(HandWire.delimited(frame));
    }

    /** Sends a Hello and returns the Welcome's fields. */
    Fields hello(String clientId) throws IOException {
        sendFrame(HandWire.hello(clientId));
        return read(HandWire.WELCOME);
    }

    /** Sends a Hello and returns the session id of the Welcome. */
    String helloForSessionId(String clientId) throws IOException {
        return hello(clientId).string(1);
    }

    /** Sends an echo request and checks the response answers it with the same payload. */
    void echo(String payload) throws IOException {
        final long id = ++nextId;
        sendFrame(HandWire.request(id, "echo", HandWire.utf8(payload)));
        final Fields response = read(HandWire.RESPONSE);
        assertThat(response.varint(1)).as("response id").isEqualTo(id);
        assertThat(response.varint(2)).as("response status").isZero();
        assertThat(response.string(3)).as("echoed payload").isEqualTo(payload);
    }

    /** Reads one frame and returns the message its oneof holds, which must be of {@code kind}. */
    Fields read(int kind) throws IOException {
        final Fields frame = readFrame();
        assertThat(frame.kind()).as("kind of frame (field number in Frame), in %s", frame).isEqualTo(kind);
        return frame.message(kind);
    }

    Fields readFrame() throws IOException {
        return Fields.parse(readFrameBytes());
    }

    /** Reads one length-prefixed frame and returns the Frame bytes. */
    byte[] readFrameBytes() throws IOException {
        long length = 0;
        for (int shift = 0; ; shift += 7) {
            final int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream where a frame should start");
            }
            length |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            if (shift >= 28) {
                throw new IOException("frame length longer than a varint32");
            }
        }
        return readExactly(Math.toIntExact(length));
    }

    byte[] readExactly(int n) throws IOException {
        final byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new EOFException("end of stream after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /** Reads a Goodbye, then checks the server closed its side: nothing follows it. */
    Fields readGoodbyeThenEndOfStream() throws IOException {
        final Fields goodbye = read(HandWire.GOODBYE);
        assertThat(in.read()).as("the stream ends right after the Goodbye").isEqualTo(-1);
        return goodbye;
    }

    /** Reads the next byte: -1 once the server has closed its side. */
    int readByte() throws IOException {
        return in.read();
    }

    /** Drops the connection with a TCP reset, as a network failure would, without a Goodbye. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
