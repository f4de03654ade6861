package io.tether.tls;

import java.nio.ByteBuffer;

/** What a {@link TlsConnection} tells the engine. All but one method are called on the connection's loop. */
public interface TlsEvents {
    /** The handshake has completed; called once, on the loop, before any application data. */
    void onHandshakeComplete(PeerIdentity peer);

    /**
     * Decrypted bytes arrived, on the loop. The buffer is a view into a pooled buffer, valid only
     * during this call: copy whatever must outlive it (the framer keeps its own partial tail).
     */
    void onApplicationData(ByteBuffer plaintext);

    /**
     * The delegated tasks of a handshake step finished. Called on the executor's thread, never the
     * loop: hand the connection back to its loop (its command queue) and call
     * {@link TlsConnection#resume()} there.
     */
    void onDelegatedTasksDone();
}
