package io.tether.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;

/** Keeps what a {@link TlsConnection} reported, as the engine would see it. */
final class RecordingEvents implements TlsEvents {
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    /** Stands in for the loop's command queue: the executor thread posts here, the "loop" takes. */
    final LinkedBlockingQueue<String> tasksDone = new LinkedBlockingQueue<>();
    PeerIdentity peer;
    int handshakes;

    @Override
    public void onHandshakeComplete(final PeerIdentity peer) {
        this.peer = peer;
        handshakes++;
    }

    @Override
    public void onApplicationData(final ByteBuffer plaintext) {
        final byte[] bytes = new byte[plaintext.remaining()];
        plaintext.get(bytes);
        received.writeBytes(bytes);
    }

    @Override
    public void onDelegatedTasksDone() {
        tasksDone.add(Thread.currentThread().getName());
    }

    byte[] takeReceived() {
        final byte[] bytes = received.toByteArray();
        received.reset();
        return bytes;
    }
}
