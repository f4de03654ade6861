package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import java.util.List;
import java.util.function.Consumer;

/** The application's {@link SessionListener}s, each call guarded so one failing listener harms nothing else. */
final class SessionListeners {
    private static final LogEvent FAILED = LogEvent.warn(SessionListeners.class, "session.listener.failed");

    private final List<SessionListener> listeners;

    SessionListeners(List<SessionListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    void connected(Session s) {
        each("onConnect", s, l -> l.onConnect(s));
    }

    void resumed(Session s) {
        each("onResume", s, l -> l.onResume(s));
    }

    void disconnected(Session s, int code, String reason) {
        each("onDisconnect", s, l -> l.onDisconnect(s, code, reason));
    }

    void ended(Session s, String why) {
        each("onEnd", s, l -> l.onEnd(s, why));
    }

    private void each(String hook, Session s, Consumer<SessionListener> call) {
        for (SessionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                FAILED.fail(e, "hook", hook, "session", s.id());
            }
        }
    }
}
