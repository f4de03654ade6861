package io.tether.tls;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The handshake side of a TLS connection: runs the engine's delegated tasks off the loop and
 * notices when the handshake completes.
 * <p>
 * Delegated tasks (certificate path validation, key exchange) can take milliseconds, far too long
 * for an event loop serving thousands of connections; they go to an executor, and the loop
 * leaves the connection alone until the engine calls {@link TlsConnection#resume()}.
 */
final class TlsHandshake {
    /** The cipher suite of the session an engine reports before its handshake completes. */
    private static final String NO_CIPHER_SUITE = "SSL_NULL_WITH_NULL_NULL";

    private final SSLEngine engine;
    private final Executor taskExecutor;
    private final TlsEvents events;
    private boolean taskPending;
    private PeerIdentity peer;

    /**
     * @param taskExecutor where delegated tasks run; null runs them inline, on the loop (tests,
     *                     or a client with one connection).
     */
    TlsHandshake(final SSLEngine engine, final Executor taskExecutor, final TlsEvents events) {
        this.engine = engine;
        this.taskExecutor = taskExecutor;
        this.events = events;
    }

    boolean isComplete() {
        return peer != null;
    }

    boolean isTaskPending() {
        return taskPending;
    }

    PeerIdentity peer() {
        return peer;
    }

    /**
     * Runs the engine's pending delegated tasks.
     *
     * @return true when they run on the executor and the pump must stop until {@link #resumed()};
     * false when they already ran inline.
     */
    boolean runDelegatedTasks() throws SSLException {
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

    /** The loop has taken the connection back after {@link TlsEvents#onDelegatedTasksDone()}. */
    void resumed() {
        taskPending = false;
    }

    /**
     * Looks at one wrap or unwrap result for the end of the handshake and tells the engine, once.
     * Call only after the bytes the result produced were sent, so that the engine's first write
     * cannot overtake our Finished message.
     * <p>
     * The end is a FINISHED status, or NOT_HANDSHAKING once the engine has a negotiated session:
     * a SunJSSE server that sends no session ticket (jdk.tls.server.newSessionTicketCount=0) never
     * reports FINISHED when it handled the client's Finished in a delegated task, and may hand out
     * the client's first application data in the same unwrap.
     */
    void onResult(final SSLEngineResult result) {
        onStatus(result.getHandshakeStatus());
    }

    /** As {@link #onResult}, for a status read from the engine (the end may come in a task run inline). */
    void onStatus(final HandshakeStatus status) {
        if (peer != null) {
            return;
        }
        if (status == HandshakeStatus.FINISHED ||
            status == HandshakeStatus.NOT_HANDSHAKING && isNegotiated(engine.getSession())) {
            peer = PeerIdentity.of(engine.getSession());
            events.onHandshakeComplete(peer);
        }
    }

    /** @return whether the session is a negotiated one, not the placeholder engines report before. */
    private static boolean isNegotiated(final SSLSession session) {
        return !NO_CIPHER_SUITE.equals(session.getCipherSuite());
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
}
