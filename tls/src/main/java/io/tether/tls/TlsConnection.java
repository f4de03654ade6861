package io.tether.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The non-blocking TLS pump of one connection, driven by the event loop that owns the connection;
 * no other thread may call it. It never touches a socket: the loop hands it the bytes it read and
 * gives it a {@link NetworkSink} to write encrypted bytes to.
 *
 * <h2>How the loop drives it</h2>
 * <ul>
 *   <li>Client side: {@link #beginHandshake()} once. Server side: nothing; the first read starts it.</li>
 *   <li>On OP_READ: read into the loop's scratch buffer, flip it, {@link #onNetworkRead(ByteBuffer)}.
 *       It consumes every byte; decrypted data comes back through {@link TlsEvents#onApplicationData}.</li>
 *   <li>To send: {@link #write(ByteBuffer)} returns how many plaintext bytes it took: zero before
 *       the handshake completes, while a task runs, or while earlier output is still pending.
 *       Keep the rest and try again after {@link TlsEvents#onHandshakeComplete} or a flush.</li>
 *   <li>After each call: register OP_WRITE while {@link #wantsWrite()}, and call {@link #flush()} when
 *       writable; read only while {@link #wantsRead()}.</li>
 *   <li>On {@link TlsEvents#onDelegatedTasksDone()} (another thread): queue the connection to its
 *       loop, which calls {@link #resume()}.</li>
 *   <li>To close: {@link #closeOutbound()} sends close_notify; once {@link #isInboundDone()} (the peer
 *       sent its close_notify, which was answered) and nothing is pending, close the socket, then
 *       {@link #close()}.</li>
 *   <li>An {@link SSLException} from any call is fatal: the alert has been queued to the sink
 *       already (flush once if {@link #wantsWrite()}), then close the socket.</li>
 * </ul>
 * Buffers are borrowed from the loop's {@link TlsBuffers} for the length of each call only.
 *
 * <h2>Handshake</h2>
 * Delegated tasks (certificate path validation, key exchange) can take milliseconds, far too long
 * for an event loop serving thousands of connections; they go to an executor, and the loop
 * leaves the connection alone until it calls {@link #resume()}. The handshake's state lives in
 * this object, not in a helper of its own: an idle connection should hold as few objects as it can.
 */
public final class TlsConnection extends TlsRecords implements AutoCloseable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The cipher suite of the session an engine reports before its handshake completes. */
    private static final String NO_CIPHER_SUITE = "SSL_NULL_WITH_NULL_NULL";

    private final TlsEvents events;
    private final Executor taskExecutor;
    private boolean taskPending;
    private boolean released;
    /**
     * The session the handshake established, null before. The identity is read from it on demand rather than kept:
     * the engine keeps this session (and the peer's certificates in it) anyway, so a {@link PeerIdentity} held for
     * the connection's life would be 70 B or more per idle session for what the session already knows.
     */
    private SSLSession session;

    /**
     * @param engine       a fresh engine from {@link TlsContext#newServerEngine()} or {@link TlsContext#newClientEngine}.
     * @param buffers      the pool of the loop that owns this connection.
     * @param sink         the connection's socket.
     * @param events       the engine's callbacks for this connection.
     * @param taskExecutor where delegated handshake tasks run; null runs them inline, on the loop
     *                     (tests, or a client with one connection).
     */
    public TlsConnection(
        final SSLEngine engine,
        final TlsBuffers buffers,
        final NetworkSink sink,
        final TlsEvents events,
        final Executor taskExecutor) {
        super(engine, buffers, sink);
        this.events = events;
        this.taskExecutor = taskExecutor;
        final SSLSession session = engine.getSession();
        buffers.accommodate(session.getPacketBufferSize(), session.getApplicationBufferSize());
    }

    /** Starts the handshake: a client sends its ClientHello. */
    public void beginHandshake() throws IOException {
        try {
            engine.beginHandshake();
            pump(EMPTY);
        } catch (final SSLException ex) {
            throw alertAndRethrow(ex);
        }
    }

    /**
     * Takes bytes read from the socket, unwraps every complete record and keeps an incomplete one.
     *
     * @param network bytes read, ready to read; fully consumed by this call.
     */
    public void onNetworkRead(final ByteBuffer network) throws IOException {
        try {
            pump(network);
        } catch (final SSLException ex) {
            throw alertAndRethrow(ex);
        }
    }

    /** Continues after delegated tasks finished; on the loop, after {@link TlsEvents#onDelegatedTasksDone()}. */
    public void resume() throws IOException {
        taskPending = false;
        onNetworkRead(EMPTY);
    }

    /**
     * Encrypts application bytes and writes the records to the sink.
     *
     * @param plaintext bytes to send; its position advances past those taken.
     * @return the number of bytes taken, zero when the connection cannot take any now.
     */
    public int write(final ByteBuffer plaintext) throws IOException {
        try {
            return (int)write(buffers.single(plaintext), 0, 1);
        } finally {
            buffers.clearSingle();
        }
    }

    /**
     * Gathering form of {@link #write(ByteBuffer)}: several frames become as few records and sink
     * writes as possible.
     */
    public long write(final ByteBuffer[] plaintext, final int offset, final int length) throws IOException {
        if (released || session == null || taskPending || engine.isOutboundDone() || !flush()) {
            return 0;
        }
        final long taken;
        try {
            taken = wrapApplication(plaintext, offset, length);
        } catch (final SSLException ex) {
            throw alertAndRethrow(ex);
        }
        continueHandshakeIfNeeded();
        return taken;
    }

    /**
     * Writes output the socket refused before.
     *
     * @return true when nothing is pending any more.
     */
    @Override
    public boolean flush() throws IOException {
        return super.flush();
    }

    /** Sends close_notify (once a running delegated task has finished, if one runs). */
    public void closeOutbound() throws IOException {
        if (released) {
            return;
        }
        engine.closeOutbound();
        onNetworkRead(EMPTY);
    }

    /** Drops the connection's tails and the engine's state, without any I/O. Idempotent. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        release();
        engine.closeOutbound();
        try {
            engine.closeInbound();
        } catch (final SSLException ex) {
            // Expected when the peer did not send close_notify: we are dropping the connection anyway.
        }
    }

    /**
     * Takes this connection's session out of its context's session cache, with the session tickets
     * it received, so that no later connection to the same server resumes it: the next handshake is
     * a full one. For a load generator that measures full handshakes; a client that wants cheap
     * reconnects keeps its sessions.
     */
    public void forgetSession() {
        engine.getSession().invalidate();
    }

    public boolean isHandshakeComplete() {
        return session != null;
    }

    /**
     * @return the peer, once the handshake completed; null before. Read anew from the handshake's session on each
     * call (an equal record each time), so call it once per use rather than in a loop.
     */
    public PeerIdentity peerIdentity() {
        return session == null ? null : PeerIdentity.of(session);
    }

    /** @return whether encrypted bytes wait for the socket: register OP_WRITE and {@link #flush()}. */
    public boolean wantsWrite() {
        return hasPendingOutput();
    }

    /** @return whether the loop should read: not while a delegated task runs, nor after the peer closed. */
    public boolean wantsRead() {
        return !released && !taskPending && !engine.isInboundDone();
    }

    /** @return whether a delegated task runs; the pump does nothing until {@link #resume()}. */
    public boolean isTaskPending() {
        return taskPending;
    }

    /** @return whether the peer's close_notify arrived. */
    public boolean isInboundDone() {
        return engine.isInboundDone();
    }

    /** @return whether our close_notify was produced and fully written. */
    public boolean isOutboundDone() {
        return engine.isOutboundDone() && !hasPendingOutput();
    }

    /** @return bytes this connection holds between calls (incomplete record, unwritten output). */
    @Override
    public int retainedBytes() {
        return super.retainedBytes();
    }

    private void pump(final ByteBuffer network) throws IOException {
        if (released) {
            return;
        }
        if (taskPending) {
            keepInbound(network);
            return;
        }
        ByteBuffer window = null;
        ByteBuffer app = buffers.acquireApplication();
        try {
            ByteBuffer in = network;
            if (hasInboundTail()) {
                window = buffers.acquireNetwork();
                in = openWindow(window, network);
            }
            while (!released) {
                final HandshakeStatus status = engine.getHandshakeStatus();
                onHandshakeStatus(status);
                if (status == HandshakeStatus.NEED_WRAP) {
                    if (!wrapHandshake()) {
                        break;
                    }
                    continue;
                }
                if (status == HandshakeStatus.NEED_TASK) {
                    if (runDelegatedTasks()) {
                        break;
                    }
                    continue;
                }
                if (in == window && !window.hasRemaining()) {
                    in = network; // the old tail is used up: continue straight from the caller's buffer
                }
                if (engine.isInboundDone() || !in.hasRemaining()) {
                    break;
                }
                final SSLEngineResult result = engine.unwrap(in, app);
                onHandshakeStatus(result.getHandshakeStatus());
                switch (result.getStatus()) {
                    case OK -> {
                        if (app.remaining() < buffers.recordPlaintextSize()) {
                            deliver(app);
                        }
                    }
                    case BUFFER_OVERFLOW -> {
                        if (app.position() > 0) {
                            deliver(app);
                        } else {
                            app = grow(app, false);
                        }
                    }
                    case BUFFER_UNDERFLOW -> {
                        if (in != window || !network.hasRemaining()) {
                            in = EMPTY; // wait for the rest of the record
                        } else {
                            TlsRecords.topUp(window, network);
                        }
                    }
                    case CLOSED -> {
                        deliver(app);
                        // Answer the peer's close_notify with ours (TLS 1.3 would allow a half-close;
                        // tether's sessions are done once the peer closes).
                        engine.closeOutbound();
                    }
                }
            }
            deliver(app);
            keepUnread(window, network);
        } finally {
            buffers.release(app, false);
            if (window != null) {
                buffers.release(window, true);
            }
        }
    }

    /** Keeps the unread bytes: what is left in the window comes before what is left in the caller's buffer. */
    private void keepUnread(final ByteBuffer window, final ByteBuffer network) throws SSLException {
        if (released || engine.isInboundDone()) {
            // Nothing after close_notify means anything; consume it so the caller sees every byte taken.
            network.position(network.limit());
            return;
        }
        if (window != null) {
            keepInbound(window);
        }
        keepInbound(network);
    }

    /** @return whether the wrap made progress. */
    private boolean wrapHandshake() throws IOException {
        final SSLEngineResult result = wrapHandshakeMessage();
        // Only now that our Finished is on its way may the engine learn of the handshake's end.
        onHandshakeStatus(result.getHandshakeStatus());
        return result.bytesProduced() > 0 || result.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
    }

    /**
     * Runs the engine's pending delegated tasks.
     *
     * @return true when they run on the executor and the pump must stop until {@link #resume()};
     * false when they already ran inline.
     */
    private boolean runDelegatedTasks() throws SSLException {
        final Runnable first = engine.getDelegatedTask();
        if (first == null) {
            return false;
        }
        if (taskExecutor == null) {
            for (Runnable task = first; task != null; task = engine.getDelegatedTask()) {
                task.run();
            }
            return false;
        }
        taskPending = true;
        try {
            taskExecutor.execute(() -> runOffLoop(first));
        } catch (final RejectedExecutionException ex) {
            taskPending = false;
            throw new SSLException("the TLS task executor refused a handshake task", ex);
        }
        return true;
    }

    private void runOffLoop(final Runnable first) {
        try {
            // SSLEngine hands out delegated tasks thread-safely, and the loop does not touch the
            // engine while a task is pending.
            for (Runnable task = first; task != null; task = engine.getDelegatedTask()) {
                task.run();
            }
        } finally {
            events.onDelegatedTasksDone();
        }
    }

    /**
     * Looks at a status from a wrap or unwrap result, or read from the engine (the end may come in
     * a task run inline), for the end of the handshake, and tells the events once. Call only after
     * the bytes a result produced were sent, so that the engine's first write cannot overtake our
     * Finished message.
     * <p>
     * The end is a FINISHED status, or NOT_HANDSHAKING once the engine has a negotiated session:
     * a SunJSSE server that sends no session ticket (jdk.tls.server.newSessionTicketCount=0) never
     * reports FINISHED when it handled the client's Finished in a delegated task, and may hand out
     * the client's first application data in the same unwrap.
     */
    private void onHandshakeStatus(final HandshakeStatus status) {
        if (session != null) {
            return;
        }
        if (status == HandshakeStatus.FINISHED ||
            status == HandshakeStatus.NOT_HANDSHAKING && isNegotiated(engine.getSession())) {
            session = engine.getSession();
            events.onHandshakeComplete(PeerIdentity.of(session));
        }
    }

    /** @return whether the session is a negotiated one, not the placeholder engines report before. */
    private static boolean isNegotiated(final SSLSession session) {
        return !NO_CIPHER_SUITE.equals(session.getCipherSuite());
    }

    private void continueHandshakeIfNeeded() throws IOException {
        final HandshakeStatus status = engine.getHandshakeStatus();
        if (status == HandshakeStatus.NEED_WRAP || status == HandshakeStatus.NEED_TASK) {
            onNetworkRead(EMPTY);
        }
    }

    private void deliver(final ByteBuffer app) {
        app.flip();
        if (app.hasRemaining()) {
            events.onApplicationData(app);
        }
        app.clear();
    }

    /**
     * A fatal error: the engine has queued an alert. Send it (best effort) so the peer learns why,
     * then let the error go to the engine, which closes the socket.
     */
    private SSLException alertAndRethrow(final SSLException failure) {
        sendAlert(failure);
        return failure;
    }
}
