package io.tether.engine;

import com.google.protobuf.ByteString;
import io.tether.codec.ProtoWire;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;
import io.tether.telemetry.Metric;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on the server: its identity, its push sequence, and the virtual-thread dispatch of its requests.
 *
 * <p>Requests decoded from one read are queued in the mailbox; at the end of the read, if no worker runs for
 * this session, one virtual thread is started and drains the mailbox in order, so a whole batch costs one thread
 * start, and a session's requests never run concurrently. An idle session has no thread and no queue.
 */
final class ServerSession implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerSession.class);
    private static final VarHandle WORKER;
    private static final VarHandle QUEUED;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;

    static {
        try {
            WORKER = MethodHandles.lookup().findVarHandle(ServerSession.class, "worker", int.class);
            QUEUED = MethodHandles.lookup().findVarHandle(ServerSession.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TetherServer server;
    private final Connection connection;
    private String id;
    private String clientId = "";
    private byte[] resumeToken;
    /** The last push seq used; only the loop advances it. */
    long pushSeq;
    private volatile int worker;
    private volatile ConcurrentLinkedQueue<Request> mailbox;
    /** Requests queued for the worker and not yet answered (a field, not an AtomicInteger: 16 bytes a session). */
    private volatile int queued;

    ServerSession(TetherServer server, Connection connection) {
        this.server = server;
        this.connection = connection;
    }

    String id() {
        return id;
    }

    String clientId() {
        return clientId;
    }

    byte[] resumeToken() {
        return resumeToken;
    }

    boolean established() {
        return id != null;
    }

    TetherServer server() {
        return server;
    }

    Connection connection() {
        return connection;
    }

    void establish(String sessionId, String clientId, byte[] token) {
        this.id = sessionId;
        this.clientId = clientId;
        this.resumeToken = token;
    }

    // ---- dispatch (loop side)

    /** Queues a request for the session's virtual thread; pauses reading when too many are waiting. */
    void enqueue(Request request) {
        ConcurrentLinkedQueue<Request> box = mailbox;
        if (box == null) {
            mailbox = box = new ConcurrentLinkedQueue<>();
        }
        box.offer(request);
        if ((int) QUEUED.getAndAdd(this, 1) + 1 >= server.config().maxSessionInflight()) {
            connection.pauseReadByHandler();
        }
    }

    /** End of a read: start the worker if requests wait and none runs. */
    void startWorkerIfIdle() {
        final ConcurrentLinkedQueue<Request> box = mailbox;
        if (box != null && !box.isEmpty() && WORKER.compareAndSet(this, IDLE, RUNNING)) {
            server.startVirtual(this);
        }
    }

    // ---- the worker (a virtual thread)

    @Override
    public void run() {
        final ConcurrentLinkedQueue<Request> box = mailbox;
        while (true) {
            Request r;
            while ((r = box.poll()) != null) {
                handle(r);
                final int left = (int) QUEUED.getAndAdd(this, -1) - 1;
                if (left == server.config().maxSessionInflight() / 2) {
                    connection.loop().execute(connection::resumeReadByHandler);
                }
            }
            worker = IDLE;
            // A request queued after the poll but before the store above would otherwise wait for the next read.
            if (box.isEmpty() || !WORKER.compareAndSet(this, IDLE, RUNNING)) {
                return;
            }
        }
    }

    private void handle(Request request) {
        final TetherServer.Registration registration = server.registration(request.getMethod());
        final Reply reply = invoke(registration.handler(), request);
        try {
            Frames.sendResponse(connection, request.getId(), reply.status(), reply.payload(), reply.error());
        } finally {
            server.requestDone();
        }
    }

    /** Runs a handler and turns every outcome into a Reply; used on loops and virtual threads alike. */
    Reply invoke(RequestHandler handler, Request request) {
        try {
            final Reply reply = handler.handle(new Call(this, request));
            return reply == null ? Reply.ok() : reply;
        } catch (TetherException e) {
            return Reply.error(e.status() == Status.OK ? Status.INTERNAL : e.status(), String.valueOf(e.getMessage()));
        } catch (Throwable t) {
            connection.loop().counters().addShared(Metric.HANDLER_ERRORS, 1);
            LOG.warn("handler for '{}' failed (session {})", request.getMethod(), id, t);
            return Reply.error(Status.INTERNAL, "internal error: " + t.getClass().getSimpleName());
        }
    }

    // ---- pushes

    /** Pushes from any thread; see {@link TetherServer#push}. */
    void push(String topic, ByteString payload) {
        final EventLoop loop = connection.loop();
        if (loop.inLoop()) {
            writePush(topic, payload);
            return;
        }
        connection.awaitWritable();
        final int topicLength = ProtoWire.utf8Length(topic);
        final int recordLength = 4 + topicLength + payload.size();
        final OutboundRing ring = loop.outboundRing();
        final int at = Frames.claim(connection, ring, OutboundRing.PUSH, recordLength);
        if (at >= 0) {
            encodePushRecord(ring.buffer(), at, topic, topicLength, payload);
            ring.commit(at);
            loop.wakeup();
            return;
        }
        final byte[] record = new byte[recordLength];
        encodePushRecord(new UnsafeBuffer(record), 0, topic, topicLength, payload);
        connection.addPending(recordLength);
        loop.execute(() -> {
            if (!connection.isClosed()) {
                onPushRecord(new UnsafeBuffer(record), 0, recordLength);
            }
        });
    }

    private static void encodePushRecord(MutableDirectBuffer b, int at, String topic, int topicLength,
                                         ByteString payload) {
        b.putInt(at, topicLength);
        ProtoWire.putUtf8(b, at + 4, topic);
        ProtoWire.putBytes(b, at + 4 + topicLength, payload);
    }

    /** A push record reached the loop: number it and write it. Loop thread. */
    void onPushRecord(org.agrona.DirectBuffer buffer, int index, int length) {
        connection.addPending(-length); // the producer's estimate; writePush counts the real frame
        if (connection.isClosing()) {
            return; // nothing may follow the Goodbye
        }
        final int topicLength = buffer.getInt(index);
        final int payloadIndex = index + 4 + topicLength;
        Frames.writePush(connection, ++pushSeq, buffer, index + 4, topicLength, payloadIndex,
            index + length - payloadIndex);
    }

    /** A push made on the session's own loop (an inline handler): numbered and written at once, no record. */
    private void writePush(String topic, ByteString payload) {
        if (!connection.isClosing()) {
            Frames.writePush(connection, ++pushSeq, topic, payload);
        }
    }
}
