package io.tether.engine.server;

/**
 * Answers one request. Registered by method name with {@link TetherServerBuilder#onRequest}; runs on a virtual
 * thread (may block) unless registered with {@link TetherServerBuilder#onRequestInline}, in which case it runs
 * on the event loop and must never block. A handler that throws is answered with status 13 (INTERNAL) and
 * counted; throw {@link TetherException} to choose the status.
 */
@FunctionalInterface
public interface RequestHandler {
    /** Answers {@code call}: a {@link TetherException} chooses the error status, any other exception is 13. */
    Reply handle(Call call) throws Exception;
}
