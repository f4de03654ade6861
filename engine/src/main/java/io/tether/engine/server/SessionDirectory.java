package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import io.tether.engine.reactor.EventLoop;
import io.tether.session.registry.SessionRegistry;
import io.tether.telemetry.Metric;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;

/**
 * Every live session of a server by id (the open-addressing {@link SessionRegistry} with its off-heap index), and
 * the application's {@link SessionListener}s that hear of them. Sessions enter when a Hello opens them and leave
 * when they end; a resume token is checked against it.
 */
final class SessionDirectory {
    private static final LogEvent ENDED = LogEvent.info(SessionDirectory.class, "session.ended");

    private final SessionRegistry<ServerSession> registry = new SessionRegistry<>(1024);
    /** Bits of a session id's first half that a cluster node number leaves random. */
    private static final long RANDOM_HIGH_BITS = 0x0000_FFFF_FFFF_FFFFL;

    private final SessionListeners listeners;
    /** The cluster this server is a node of, or null. */
    private final Cluster cluster;

    SessionDirectory(List<SessionListener> listeners, Cluster cluster) {
        this.listeners = new SessionListeners(listeners);
        this.cluster = cluster;
    }


    SessionListeners listeners() {
        return listeners;
    }

    SessionRegistry<ServerSession> registry() {
        return registry;
    }

    ServerSession get(String id) {
        return registry.get(id);
    }

    int size() {
        return registry.size();
    }

    /** Gives a pending session a fresh id and secret and registers it (its loop). */
    void open(ServerSession session, EventLoop loop, String clientId, long helloSeq) {
        final SecureRandom random = loop.random();
        while (true) {
            final long high = cluster == null ? random.nextLong()
                : (random.nextLong() & RANDOM_HIGH_BITS) | ((long) cluster.nodeNumber() << 48);
            final long low = random.nextLong();
            session.establish(high, low, random.nextLong(), random.nextLong(), clientId, helloSeq);
            if (registry.putIfAbsent(high, low, session) == null) {
                break;
            }
        }
        loop.counters().increment(Metric.SESSIONS_OPENED);
        listeners.connected(session);
    }

    /** The session a resume token names if its secret matches, else null. */
    ServerSession forToken(byte[] token) {
        if (token.length != SessionCredentials.TOKEN_LENGTH) {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(token); // big-endian: id, then secret
        final ServerSession s = registry.get(b.getLong(0), b.getLong(8));
        return s != null && s.secretMatches(b.getLong(16), b.getLong(24)) ? s : null;
    }

    /**
     * Registers a session another node handed over (its loop). @return false when a session with its id is here
     * already (it is then not registered)
     */
    boolean arrived(ServerSession session) {
        if (registry.putIfAbsent(session.idHigh(), session.idLow(), session) != null) {
            return false;
        }
        if (cluster != null) {
            cluster.arrived(session.id());
        }
        return true;
    }

    /** A session ended for good, or moved to another node: it leaves the registry (any thread). */
    void ended(ServerSession session, String why) {
        registry.remove(session.idHigh(), session.idLow(), session);
        if (cluster != null) {
            cluster.left(session.id(), session.moved());
        }
        ENDED.log("session", session.id(), "client", session.clientId(), "reason", why);
        listeners.ended(session, why);
    }

    void close() {
        registry.close();
    }
}
