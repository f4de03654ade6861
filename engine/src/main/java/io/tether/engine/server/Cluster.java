package io.tether.engine.server;

import com.google.protobuf.ByteString;

/**
 * What a server asks of the cluster it is a node of ({@link TetherServerBuilder#cluster}); the {@code cluster} module
 * implements it over etcd and node-to-node links. A server without one is a cluster of one node.
 *
 * <p>The server calls it where a session is not its own: a push or kick for an id it does not hold, a resume token it
 * does not know. It asks {@link #owning()} before it opens or takes a session. Every method but
 * {@link #nodeNumber()}, {@link #owning()} and {@link #redirectTarget()} may block, and the server calls them off its
 * event loops, except {@link #forwardPush} (see there).
 */
public interface Cluster {
    /**
     * The server is starting (before its listeners bind): join the cluster, so that {@link #nodeNumber()} is known
     * before any session opens. Counters go in {@code counters}. May block. @throws RuntimeException to fail the start
     */
    void start(TetherServer server, io.tether.telemetry.Counters counters);

    /** Every listener is bound: the node may own sessions from now on, and tells the cluster where clients reach it. */
    void serving();

    /**
     * The server is shutting down: hand every session to the other nodes first (redirect the clients, wait for the
     * take-overs), bounded in time. Blocks.
     */
    void drain();

    /** The nodes, their sessions and this node's links, as text for people (the admin endpoint's /cluster). */
    String status();

    /** The server has stopped: leave the cluster. */
    void close();

    /**
     * This node's number, 1 to 65535, fixed for the node's life: the top 16 bits of every session id it opens, so
     * any node finds a session's home from its id alone, with no lookup.
     */
    int nodeNumber();

    /**
     * Whether the node may own sessions now. False while it is cut off from the cluster's coordination (it cannot
     * be sure it still is a member) or draining: then a Hello is answered with Goodbye 4009 (REDIRECT) to
     * {@link #redirectTarget()}, and no session is opened or taken here.
     */
    boolean owning();

    /** A client URL of another node for a client this node turns away, or "" when it knows none. */
    String redirectTarget();

    /**
     * A push for a session this node does not hold: sent to the node that does, which answers as its own
     * {@link TetherServer#push} would. Pushes one thread makes to one session arrive in the order it made them.
     * Called on an event loop too (by a handler running inline there): then it must not wait, sends the push
     * without its answer and says {@link PushResult#QUEUED}.
     */
    PushResult forwardPush(String sessionId, String topic, ByteString payload);

    /** A kick for a session this node does not hold. @return whether the node that held it ended it */
    boolean forwardKick(String sessionId, String reason);

    /**
     * A Hello presented a resume token this node does not hold: asks the node that owns the session to hand it over
     * (on a virtual thread; it may take a network round trip). Null when no live node has it (its node is gone, or
     * the token is wrong): the client then gets a new session, {@code resumed=false}.
     */
    SessionImage takeOver(byte[] token, long lastPushSeq);

    /**
     * A session {@link #takeOver} brought is installed here: from now on this node owns it (the cluster records
     * the move). Its loop; must not block.
     */
    void arrived(String sessionId);

    /**
     * A session this node owned ended, or moved to another node ({@code moved}: its new holder records the move, so
     * nothing is to be deleted), from any thread; must not block.
     */
    void left(String sessionId, boolean moved);
}
