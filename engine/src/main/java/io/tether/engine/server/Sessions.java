package io.tether.engine.server;

import io.tether.session.registry.SessionRegistry;
import java.util.function.Consumer;

/**
 * The live sessions of a server, attached and detached: {@link TetherServer#sessions()}. Lookups take no lock and
 * allocate nothing; iteration sees every session registered before it started and may or may not see ones added
 * meanwhile.
 */
public final class Sessions {
    private final SessionRegistry<ServerSession> registry;

    Sessions(SessionRegistry<ServerSession> registry) {
        this.registry = registry;
    }

    /** Sessions attached or detached (resumable); ended ones are gone. Exact. */
    public int count() {
        return registry.size();
    }

    /** The session with this id, or null when there is none (or the text is not a session id). */
    public Session get(String id) {
        return registry.get(id);
    }

    /** Runs {@code action} for each live session, on the calling thread. */
    public void forEach(Consumer<? super Session> action) {
        registry.forEach(action);
    }
}
