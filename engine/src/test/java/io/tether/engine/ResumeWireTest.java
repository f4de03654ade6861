package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Ack;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.engine.HandWire.Fields;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.Session;
import io.tether.engine.server.SessionListener;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resume on the wire: a hand-driven client drops its connection and comes back with its token and last seq. */
class ResumeWireTest {
    private final ServerWithRawClients servers = new ServerWithRawClients();

    @AfterEach
    void tearDown() throws IOException {
        servers.close();
    }

    /** A session as a raw client sees it: its id and token from the Welcome. */
    private record Opened(RawClient client, String id, byte[] token, boolean resumed) {
    }

    private Opened hello(byte[] token, long lastSeq) throws IOException {
        return hello(token, lastSeq, 0);
    }

    private Opened hello(byte[] token, long lastSeq, long helloSeq) throws IOException {
        final RawClient c = servers.connect();
        sendHello(c, token, lastSeq, helloSeq);
        final Fields welcome = c.read(HandWire.WELCOME);
        return new Opened(c, welcome.string(1), welcome.bytes(2), welcome.varint(3) == 1);
    }

    private static void sendHello(RawClient c, byte[] token, long lastSeq, long helloSeq) throws IOException {
        c.sendFrame(Frame.newBuilder().setHello(Hello.newBuilder().setClientId("raw")
            .setResumeToken(ByteString.copyFrom(token)).setLastPushSeq(lastSeq).setHelloSeq(helloSeq)).build()
            .toByteArray());
    }

    private Opened open() throws IOException {
        return hello(new byte[0], 0);
    }

    private static void awaitDetached(TetherServer server, String id) {
        TestServers.await("the session to be detached", () -> server.sessions().get(id) != null
            && server.sessions().get(id).state() == Session.State.DETACHED);
    }

    private static long pushSeq(RawClient c, String payload) throws IOException {
        final Fields push = c.read(HandWire.PUSH);
        assertThat(push.string(3)).isEqualTo(payload);
        return push.varint(1);
    }

    @Test
    void shouldReplayEveryPushAfterTheLastSeqTheClientHadInOrder() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = open();
        assertThat(a.resumed()).isFalse();
        assertThat(a.token()).hasSize(32);
        for (int i = 1; i <= 3; i++) {
            assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("p" + i))).isEqualTo(PushResult.DELIVERED);
        }
        assertThat(pushSeq(a.client(), "p1")).isEqualTo(1);
        assertThat(pushSeq(a.client(), "p2")).isEqualTo(2);
        // p3 was sent but, as far as the client knows, never arrived. The connection dies.
        a.client().reset();
        awaitDetached(server, a.id());
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("p4"))).isEqualTo(PushResult.QUEUED);
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("p5"))).isEqualTo(PushResult.QUEUED);

        final Opened back = hello(a.token(), 2);
        assertThat(back.resumed()).isTrue();
        assertThat(back.id()).isEqualTo(a.id());
        assertThat(pushSeq(back.client(), "p3")).isEqualTo(3);
        assertThat(pushSeq(back.client(), "p4")).isEqualTo(4);
        assertThat(pushSeq(back.client(), "p5")).isEqualTo(5);
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("p6"))).isEqualTo(PushResult.DELIVERED);
        assertThat(pushSeq(back.client(), "p6")).isEqualTo(6);
        assertThat(servers.total(Metric.SESSIONS_RESUMED)).isEqualTo(1);
        assertThat(servers.total(Metric.PUSHES_REPLAYED)).isEqualTo(3);
        assertThat(server.sessionCount()).isEqualTo(1);
    }

    @Test
    void shouldAnswerAReSentRequestFromTheWindowWithoutRunningItAgain() throws Exception {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        final TetherServer server = servers.start(TetherServer.builder().onRequest("once", call -> {
            runs.incrementAndGet();
            release.await(10, TimeUnit.SECONDS);
            return Reply.ok(ByteString.copyFromUtf8("ran"));
        }));
        final Opened a = open();
        a.client().sendFrame(request(7, "once"));
        TestServers.await("the handler to start", () -> runs.get() == 1);
        a.client().reset(); // the response will find no connection
        awaitDetached(server, a.id());

        final Opened back = hello(a.token(), 0);
        assertThat(back.resumed()).isTrue();
        back.client().sendFrame(request(7, "once")); // still running: not run again, answered once when done
        TestServers.await("the re-send seen while it runs", () -> servers.total(Metric.DUPLICATE_REQUESTS) == 1);
        release.countDown();
        final Fields response = back.client().read(HandWire.RESPONSE);
        assertThat(response.varint(1)).isEqualTo(7);
        assertThat(response.string(3)).isEqualTo("ran");

        back.client().sendFrame(request(7, "once")); // answered: the kept response comes again
        final Fields again = back.client().read(HandWire.RESPONSE);
        assertThat(again.varint(1)).isEqualTo(7);
        assertThat(again.string(3)).isEqualTo("ran");
        assertThat(runs.get()).as("the handler ran once").isEqualTo(1);
        // The replay is written before the re-send is counted.
        TestServers.await("both re-sends counted", () -> servers.total(Metric.DUPLICATE_REQUESTS) == 2);
    }

    @Test
    void shouldStartANewSessionForAWrongTokenAndKeepTheRealOneResumable() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = open();
        a.client().reset();
        awaitDetached(server, a.id());

        final byte[] forged = a.token().clone();
        forged[31] ^= 1;
        final Opened wrong = hello(forged, 0);
        assertThat(wrong.resumed()).isFalse();
        assertThat(wrong.id()).isNotEqualTo(a.id());
        final Opened garbage = hello(new byte[] {1, 2, 3}, 0);
        assertThat(garbage.resumed()).isFalse();
        assertThat(servers.total(Metric.RESUMES_REFUSED)).isEqualTo(2);

        final Opened right = hello(a.token(), 0);
        assertThat(right.resumed()).isTrue();
        assertThat(right.id()).isEqualTo(a.id());
    }

    @Test
    void shouldEndTheSessionWhenTheResumeWindowPasses() throws Exception {
        final List<String> ended = new CopyOnWriteArrayList<>();
        final TetherServer server = servers.start(TetherServer.builder().sessionListener(new SessionListener() {
            @Override
            public void onEnd(Session session, String why) {
                ended.add(session.id() + ": " + why);
            }
        }), "resume-window", "300ms");
        final Opened a = open();
        a.client().reset();
        // The listener hears of the end last, after the registry and the counters.
        TestServers.await("the window to pass", () -> !ended.isEmpty());
        assertThat(server.sessions().get(a.id())).isNull();
        assertThat(server.push(a.id(), "t", ByteString.EMPTY)).isEqualTo(PushResult.UNKNOWN);
        assertThat(servers.total(Metric.SESSIONS_EXPIRED)).isEqualTo(1);
        assertThat(ended).singleElement().asString().contains(a.id()).contains("resume window");

        final Opened late = hello(a.token(), 0);
        assertThat(late.resumed()).isFalse();
        assertThat(late.id()).isNotEqualTo(a.id());
    }

    @Test
    void shouldEvictDetachedSessionsBeyondTheCacheAndStartNewOnesForThem() throws Exception {
        // One loop, room for about two detached sessions (1 KiB each, besides their outboxes).
        final TetherServer server = servers.start("io-threads", "1", "session-cache-bytes", "2200");
        final Opened[] sessions = {open(), open(), open()};
        for (Opened s : sessions) {
            s.client().reset();
            TestServers.await("detached or evicted", () -> server.sessions().get(s.id()) == null
                || server.sessions().get(s.id()).state() == Session.State.DETACHED);
        }
        // The loop counts an eviction right after it marks the newest session detached.
        TestServers.await("one eviction", () -> servers.total(Metric.SESSIONS_EVICTED) == 1);
        int resumed = 0;
        for (Opened s : sessions) {
            final Opened back = hello(s.token(), 0);
            assertThat(back.id().equals(s.id())).isEqualTo(back.resumed());
            resumed += back.resumed() ? 1 : 0;
        }
        assertThat(resumed).as("all but the evicted one resume").isEqualTo(2);
    }

    @Test
    void shouldRefuseAResumeWhoseMissedPushesOverflowedTheOutbox() throws Exception {
        final TetherServer server = servers.start("session-outbox-bytes", "4KiB");
        final Opened a = open();
        a.client().reset();
        awaitDetached(server, a.id());
        for (int i = 0; i < 10; i++) {
            assertThat(server.push(a.id(), "t", ByteString.copyFrom(new byte[1000]))).isEqualTo(PushResult.QUEUED);
        }
        assertThat(servers.total(Metric.PUSHES_DROPPED)).isPositive();
        final Opened back = hello(a.token(), 0);
        assertThat(back.resumed()).as("pushes 1.. were dropped: resuming would hide a gap").isFalse();
        assertThat(back.id()).isNotEqualTo(a.id());
        assertThat(server.sessions().get(a.id())).isNull();
    }

    @Test
    void shouldReleaseAckedPushesSoAResumeFromBeforeThemIsRefused() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = open();
        server.push(a.id(), "t", ByteString.copyFromUtf8("p1"));
        server.push(a.id(), "t", ByteString.copyFromUtf8("p2"));
        pushSeq(a.client(), "p1");
        pushSeq(a.client(), "p2");
        a.client().sendFrame(Frame.newBuilder().setAck(Ack.newBuilder().setPushSeq(2)).build().toByteArray());
        a.client().echo("after the ack"); // the ack was read before this answer
        a.client().reset();
        awaitDetached(server, a.id());
        // Claiming to have only seq 1 is not the client that acked 2: refused rather than replaying a gap.
        assertThat(hello(a.token(), 1).resumed()).isFalse();
    }

    @Test
    void shouldTakeOverASessionStillAttachedToAHalfDeadConnection() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = open();
        final Opened b = hello(a.token(), 0);
        assertThat(b.resumed()).isTrue();
        final Fields goodbye = a.client().readGoodbyeThenEndOfStream();
        assertThat(goodbye.varint(1)).isEqualTo(GoodbyeCode.SESSION_TAKEN_OVER);
        assertThat(servers.total(Metric.SESSIONS_TAKEN_OVER)).isEqualTo(1);
        // The session lives on with the new connection.
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("x"))).isEqualTo(PushResult.DELIVERED);
        assertThat(pushSeq(b.client(), "x")).isEqualTo(1);
        b.client().echo("still here");
    }

    @Test
    void shouldRefuseALateHelloFromAnOlderConnectionWithoutTouchingTheSession() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = hello(new byte[0], 0, 1);
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("one"))).isEqualTo(PushResult.DELIVERED);
        assertThat(pushSeq(a.client(), "one")).isEqualTo(1);
        a.client().reset();
        awaitDetached(server, a.id());
        // The client's third connection resumes; the Hello of its second arrives only now.
        final Opened third = hello(a.token(), 1, 3);
        assertThat(third.resumed()).isTrue();
        final RawClient second = servers.connect();
        sendHello(second, a.token(), 0, 2);
        final Fields goodbye = second.readGoodbyeThenEndOfStream();
        assertThat(goodbye.varint(1)).isEqualTo(GoodbyeCode.SESSION_TAKEN_OVER);
        assertThat(goodbye.string(2)).contains("newer connection");
        // Neither taken over nor ended (its lower last_push_seq would have ended it): the third connection serves on.
        assertThat(servers.total(Metric.SESSIONS_TAKEN_OVER)).isZero();
        assertThat(server.push(a.id(), "t", ByteString.copyFromUtf8("two"))).isEqualTo(PushResult.DELIVERED);
        assertThat(pushSeq(third.client(), "two")).isEqualTo(2);
        third.client().echo("still here");
        // An equal number is as late as a lower one; a higher one takes over as before.
        final RawClient again = servers.connect();
        sendHello(again, a.token(), 2, 3);
        assertThat(again.readGoodbyeThenEndOfStream().varint(1)).isEqualTo(GoodbyeCode.SESSION_TAKEN_OVER);
        final Opened fourth = hello(a.token(), 2, 4);
        assertThat(fourth.resumed()).isTrue();
        assertThat(third.client().readGoodbyeThenEndOfStream().varint(1)).isEqualTo(GoodbyeCode.SESSION_TAKEN_OVER);
    }

    @Test
    void shouldKickAttachedAndDetachedSessionsForGood() throws Exception {
        final TetherServer server = servers.start();
        final Opened attached = open();
        final Opened detached = open();
        detached.client().reset();
        awaitDetached(server, detached.id());

        assertThat(server.kick(attached.id(), "bye now")).isTrue();
        final Fields goodbye = attached.client().readGoodbyeThenEndOfStream();
        assertThat(goodbye.varint(1)).isEqualTo(GoodbyeCode.KICKED);
        assertThat(goodbye.string(2)).isEqualTo("bye now");
        assertThat(server.kick(detached.id(), "gone")).isTrue();
        TestServers.await("both ended", () -> server.sessionCount() == 0);
        assertThat(server.push(attached.id(), "t", ByteString.EMPTY)).isEqualTo(PushResult.UNKNOWN);
        assertThat(server.kick(attached.id(), "again")).isFalse();
        assertThat(hello(detached.token(), 0).resumed()).isFalse();
        assertThat(servers.total(Metric.SESSIONS_KICKED)).isEqualTo(2);
    }

    @Test
    void shouldEndASessionWhoseClientSaysGoodbye() throws Exception {
        final TetherServer server = servers.start();
        final Opened a = open();
        a.client().sendFrame(Frame.newBuilder().setGoodbye(io.tether.codec.proto.Goodbye.newBuilder()
            .setCode(GoodbyeCode.NORMAL)).build().toByteArray());
        a.client().readGoodbyeThenEndOfStream();
        TestServers.await("the session ended", () -> server.sessionCount() == 0);
        assertThat(hello(a.token(), 0).resumed()).isFalse();
    }

    @Test
    void shouldTellTheHooksOfConnectDisconnectAndResume() throws Exception {
        final List<String> events = new CopyOnWriteArrayList<>();
        servers.start(TetherServer.builder()
            .onConnect(s -> events.add("connect " + s.id()))
            .onDisconnect((s, reason) -> events.add("disconnect " + s.id() + " " + s.state()))
            .onResume(s -> events.add("resume " + s.id())));
        final Opened a = open();
        a.client().reset();
        TestServers.await("the disconnect hook", () -> events.size() == 2);
        hello(a.token(), 0);
        TestServers.await("the resume hook", () -> events.size() == 3);
        assertThat(events).containsExactly("connect " + a.id(), "disconnect " + a.id() + " DETACHED",
            "resume " + a.id());
    }

    private static byte[] request(long id, String method) {
        return Frame.newBuilder().setRequest(Request.newBuilder().setId(id).setMethod(method)).build().toByteArray();
    }
}
