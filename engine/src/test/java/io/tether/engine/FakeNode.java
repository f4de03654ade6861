package io.tether.engine;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Welcome;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A node on a loopback port that speaks tether by hand, for what a real server will not do on cue: it reads each
 * connection's Hello, then either refuses it at once with a Goodbye 4009 (REDIRECT) that names {@code reconnect_to},
 * or welcomes it (heartbeat 0, so the client never takes it for dead) and sends that Goodbye when the test calls
 * {@link #redirect()}, or drops it with a reset when the test calls {@link #close()}, as a node killed with -9 would.
 * The Goodbye is written by the codec's {@link FrameEncoder}.
 */
final class FakeNode implements AutoCloseable {
    private final ServerSocket listener;
    private final boolean welcome;
    private final String reconnectTo;
    private final List<Socket> welcomed = new CopyOnWriteArrayList<>();
    private final AtomicInteger hellos = new AtomicInteger();

    private FakeNode(boolean welcome, String reconnectTo) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.welcome = welcome;
        this.reconnectTo = reconnectTo;
        Thread.ofVirtual().name("fake-node").start(this::accept);
    }

    /** A node that answers every Hello with Goodbye 4009 naming {@code reconnectTo} ("" for none). */
    static FakeNode redirecting(String reconnectTo) throws IOException {
        return new FakeNode(false, reconnectTo);
    }

    /** A node that welcomes every Hello, and on {@link #redirect()} sends Goodbye 4009 naming {@code reconnectTo}. */
    static FakeNode welcoming(String reconnectTo) throws IOException {
        return new FakeNode(true, reconnectTo);
    }

    /** A URL where nothing listens: a port the OS gave out and took back. */
    static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + s.getLocalPort();
        }
    }

    String url() {
        return "tcp://127.0.0.1:" + listener.getLocalPort();
    }

    /** The Hellos read so far. */
    int hellos() {
        return hellos.get();
    }

    /** Sends Goodbye 4009 on every connection it welcomed, and closes them. */
    void redirect() throws IOException {
        for (Socket s : welcomed) {
            sayRedirect(s);
        }
        welcomed.clear();
    }

    /** Stops listening and resets every connection it welcomed, without a Goodbye (again: nothing more). */
    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : welcomed) {
            s.setSoLinger(true, 0);
            s.close();
        }
        welcomed.clear();
    }

    private void accept() {
        try {
            while (true) {
                final Socket s = listener.accept();
                Thread.ofVirtual().name("fake-node-connection").start(() -> serve(s));
            }
        } catch (IOException e) {
            // the listener closed at the end of the test
        }
    }

    private void serve(Socket s) {
        try {
            final DataInputStream in = new DataInputStream(s.getInputStream());
            in.readFully(new byte[readVarint(in)]); // the Hello
            hellos.incrementAndGet();
            if (!welcome) {
                sayRedirect(s);
                return;
            }
            welcomed.add(s);
            write(s, Frame.newBuilder().setWelcome(Welcome.newBuilder().setSessionId("fake-" + hellos.get())
                .setResumeToken(ByteString.copyFrom(new byte[32]))).build().toByteArray());
        } catch (IOException e) {
            // the client went away
        }
    }

    private void sayRedirect(Socket s) throws IOException {
        final int length = FrameEncoder.goodbyeLength(GoodbyeCode.REDIRECT, "go", 0, reconnectTo);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[length]);
        FrameEncoder.putGoodbye(frame, 0, GoodbyeCode.REDIRECT, "go", 0, reconnectTo);
        write(s, frame.byteArray());
        s.close();
    }

    private static void write(Socket s, byte[] frame) throws IOException {
        final OutputStream out = s.getOutputStream();
        out.write(HandWire.delimited(frame));
        out.flush();
    }

    private static int readVarint(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            final int b = in.readUnsignedByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("frame length longer than a varint32");
    }
}
