package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.HandWire.Fields;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handlers that block, on virtual threads, block nothing else: with every connection on one event loop, other
 * sessions are answered, pushes flow, new connections are welcomed, and the blocked sessions themselves still
 * answer pings and receive pushes.
 */
class EventLoopBlockingTest {
    /** More blocked handlers than the machine has carrier threads for virtual threads. */
    private static final int BLOCKED = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    private final ServerWithRawClients servers = new ServerWithRawClients();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() throws IOException {
        release.countDown();
        servers.close();
    }

    @Test
    void shouldServeEveryoneElseWhileHandlersBlock() throws Exception {
        final CountDownLatch entered = new CountDownLatch(BLOCKED);
        final TetherServer server = servers.start(TetherServer.builder().onRequest("block", call -> {
            entered.countDown();
            release.await();
            return Reply.ok(call.payload());
        }), "io-threads", "1", "dispatch", "virtual");

        final List<RawClient> blocked = new ArrayList<>();
        final List<String> blockedIds = new ArrayList<>();
        for (int i = 0; i < BLOCKED; i++) {
            final RawClient c = servers.connect();
            blockedIds.add(c.helloForSessionId("blocked-" + i));
            c.sendFrame(HandWire.request(1, "block", HandWire.utf8("released " + i)));
            blocked.add(c);
        }
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("every blocking handler started").isTrue();

        // Another session on the same (only) loop is answered, over and over.
        final RawClient other = servers.connect();
        final String otherId = other.helloForSessionId("other");
        for (int i = 0; i < 100; i++) {
            other.echo("while blocked " + i);
        }

        // Pushes reach it, and reach the blocked sessions too.
        for (int i = 1; i <= 100; i++) {
            assertThat(server.push(otherId, "news", HandWire.utf8("n" + i))).isEqualTo(PushResult.DELIVERED);
        }
        for (int i = 1; i <= 100; i++) {
            final Fields push = other.read(HandWire.PUSH);
            assertThat(push.varint(1)).isEqualTo(i);
            assertThat(push.string(2)).isEqualTo("news");
            assertThat(push.string(3)).isEqualTo("n" + i);
        }
        for (int i = 0; i < BLOCKED; i++) {
            server.push(blockedIds.get(i), "to-blocked", HandWire.utf8("p" + i));
            assertThat(blocked.get(i).read(HandWire.PUSH).string(3)).isEqualTo("p" + i);
        }

        // A blocked session still gets its control frames answered on the loop.
        for (RawClient c : blocked) {
            c.sendFrame(HandWire.ping(42));
            assertThat(c.read(HandWire.PONG).varint(1)).isEqualTo(42);
        }

        // A new connection is accepted and welcomed by the same loop.
        final RawClient late = servers.connect();
        assertThat(late.helloForSessionId("late")).hasSize(22);
        late.echo("welcome");

        // Released, every blocked handler answers its own session.
        release.countDown();
        for (int i = 0; i < BLOCKED; i++) {
            final Fields response = blocked.get(i).read(HandWire.RESPONSE);
            assertThat(response.varint(1)).isEqualTo(1);
            assertThat(response.string(3)).isEqualTo("released " + i);
        }
    }
    /**
     * A handler registered inline that never returns holds its loop for good; shutdown still ends, each of its steps
     * waiting for that loop at most the grace period and a second, instead of for ever.
     */
    @Test
    void shouldShutDownWhileAnInlineHandlerHoldsTheOnlyLoop() throws Exception {
        final CountDownLatch entered = new CountDownLatch(1);
        final TetherServer server = servers.start(TetherServer.builder().onRequestInline("hold", call -> {
            entered.countDown();
            release.await();
            return Reply.ok(call.payload());
        }), "io-threads", "1");
        final RawClient holder = servers.connect();
        holder.hello("holder");
        holder.sendFrame(HandWire.request(1, "hold", HandWire.utf8("x")));
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the inline handler holds the loop").isTrue();

        final Thread closer = Thread.ofPlatform().name("closer").start(() -> server.shutdown(Duration.ofMillis(200)));
        closer.join(Duration.ofSeconds(30));
        assertThat(closer.isAlive()).as("shutdown returned though the loop is held").isFalse();
        assertThat(server.isClosed()).isTrue();
    }
}
