package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.client.TetherClient;
import io.tether.engine.client.TetherClosedException;
import io.tether.engine.server.TetherServer;
import io.tether.session.Backoff;
import io.tether.session.ClientState;
import io.tether.session.ClientStateMachine.Transition;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TetherClient with several endpoints, against real servers and {@link FakeNode}s on loopback ports: the first
 * connect takes the first endpoint that welcomes, a lost node sends the client on to the next, and a Goodbye 4009
 * sends it at once where it says.
 */
@Timeout(60)
class ClientEndpointsTest {
    /** A backoff long enough that an attempt made within a second of a redirect was made at once, not after it. */
    private static final Duration LONG = Duration.ofSeconds(120);

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<Transition> moves = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    @Test
    void shouldMoveToTheNextServerWhenItsServerShutsDownAndServeRequestsThere() throws Exception {
        final TetherServer a = server();
        final TetherServer b = server();
        final AtomicInteger lost = new AtomicInteger();
        final TetherClient c = track(builder().onSessionLost(lost::incrementAndGet)
            .connect(List.of(url(a), url(b))));
        assertThat(c.endpoint()).isEqualTo(url(a));
        assertThat(echo(c, "on a")).isEqualTo("on a");

        a.shutdown(Duration.ofSeconds(1));

        TestServers.await("on b", () -> url(b).equals(c.endpoint()) && c.state() == ClientState.ESTABLISHED);
        assertThat(c.welcome().getResumed()).as("b does not know the session of a").isFalse();
        assertThat(lost.get()).isEqualTo(1);
        assertThat(echo(c, "on b")).isEqualTo("on b");
        assertThat(b.sessionCount()).isEqualTo(1);
        assertThat(moves).anyMatch(t -> t.to() == ClientState.CONNECTING && t.cause().equals("reconnect to " + url(b)));
    }

    @Test
    void shouldMoveOnWhenItsNodeVanishesWithoutAGoodbye() throws Exception {
        final FakeNode vanishing = node(FakeNode.welcoming(""));
        final TetherServer b = server();
        final TetherClient c = track(builder().connect(List.of(vanishing.url(), url(b))));
        assertThat(c.endpoint()).isEqualTo(vanishing.url());

        vanishing.close(); // resets its connections, as a node killed with -9 whose host answers would

        TestServers.await("on b", () -> url(b).equals(c.endpoint()) && c.state() == ClientState.ESTABLISHED);
        assertThat(echo(c, "after the reset")).isEqualTo("after the reset");
    }

    @Test
    void shouldGoRoundTheListOneEndpointAfterTheOther() throws Exception {
        final TetherServer a = server();
        final TetherServer b = server();
        final TetherClient c = track(builder().connect(List.of(url(a), url(b))));
        final List<String> visited = new ArrayList<>(List.of(c.endpoint()));
        for (int i = 0; i < 3; i++) {
            final String from = c.endpoint();
            c.abort();
            TestServers.await("elsewhere", () -> !from.equals(c.endpoint()) && c.state() == ClientState.ESTABLISHED);
            visited.add(c.endpoint());
        }
        assertThat(visited).containsExactly(url(a), url(b), url(a), url(b));
    }

    @Test
    void shouldConnectToTheFirstEndpointThatWelcomes() throws Exception {
        final String dead = FakeNode.deadUrl();
        final TetherServer b = server();
        final TetherClient c = track(builder().connect(List.of(dead, url(b))));

        assertThat(c.endpoint()).isEqualTo(url(b));
        assertThat(echo(c, "hi")).isEqualTo("hi");
        assertThat(moves).filteredOn(t -> t.to() == ClientState.CONNECTING).extracting(Transition::cause)
            .containsExactly("connect to " + dead, "connect to " + url(b));
    }

    @Test
    void shouldSayWhyEachEndpointFailedWhenNoneWelcomes() throws Exception {
        final String first = FakeNode.deadUrl();
        final String second = FakeNode.deadUrl();

        assertThatThrownBy(() -> builder().connect(List.of(first, second)))
            .isInstanceOf(IOException.class)
            .hasMessageContaining(first + " (" + GoodbyeCode.GOING_AWAY + "): connection failed")
            .hasMessageContaining(second + " (" + GoodbyeCode.GOING_AWAY + "): connection failed");
        assertThat(moves).filteredOn(t -> t.to() == ClientState.CONNECTING).hasSize(2);
    }

    @Test
    void shouldRefuseABadEndpointBeforeConnectingAnywhere() throws Exception {
        final TetherServer b = server();

        assertThatThrownBy(() -> builder().connect(List.of(url(b), "http://127.0.0.1:80")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://127.0.0.1:80");
        assertThatThrownBy(() -> builder().connect(List.of(url(b), "wss://127.0.0.1:1/tether")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wss://127.0.0.1:1/tether")
            .hasMessageContaining("TLS");
        assertThatThrownBy(() -> builder().connect(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(b.counters().total(Metric.CONNECTIONS_ACCEPTED)).isZero();
    }

    @Test
    void shouldFollowARedirectAtOnceFromAnEstablishedSession() throws Exception {
        final TetherServer b = server();
        final FakeNode draining = node(FakeNode.welcoming(url(b)));
        final TetherClient c = track(builder().backoff(LONG, LONG, Backoff.UNLIMITED)
            .connect(List.of(draining.url())));
        assertThat(c.endpoint()).isEqualTo(draining.url());

        final long redirected = System.nanoTime();
        draining.redirect();

        TestServers.await("on b", () -> url(b).equals(c.endpoint()) && c.state() == ClientState.ESTABLISHED, 5);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - redirected)).as("at once, not after the backoff")
            .isLessThan(1000);
        assertThat(echo(c, "redirected")).isEqualTo("redirected");
    }

    @Test
    void shouldFollowARedirectThatRefusesTheFirstConnect() throws Exception {
        final TetherServer b = server();
        final FakeNode refusing = node(FakeNode.redirecting(url(b)));

        final TetherClient c = track(builder().connect(List.of(refusing.url())));

        assertThat(c.endpoint()).as("b need not be in the list").isEqualTo(url(b));
        assertThat(refusing.hellos()).isEqualTo(1);
        assertThat(echo(c, "hi")).isEqualTo("hi");
    }

    @Test
    void shouldGoToTheNextEndpointOfTheListWhenReconnectToIsNotAUrlItCanUse() throws Exception {
        final TetherServer b = server();
        for (String bad : List.of("tcp//no-scheme", "wss://127.0.0.1:1/needs-tls")) {
            final FakeNode draining = node(FakeNode.welcoming(bad));
            final TetherClient c = track(builder().backoff(LONG, LONG, Backoff.UNLIMITED)
                .connect(List.of(draining.url(), url(b))));

            draining.redirect();

            TestServers.await("on b after " + bad, () -> url(b).equals(c.endpoint())
                && c.state() == ClientState.ESTABLISHED, 5);
        }
    }

    @Test
    void shouldNotLetTwoNodesThatRedirectToEachOtherSpinTheFirstConnect() throws Exception {
        final FakeNode second = node(FakeNode.redirecting(""));
        final FakeNode first = node(FakeNode.redirecting(second.url()));

        assertThatThrownBy(() -> builder().connect(List.of(first.url())))
            .isInstanceOf(IOException.class)
            .hasMessageContaining(first.url() + " (" + GoodbyeCode.REDIRECT + "): go")
            .hasMessageContaining(second.url() + " (" + GoodbyeCode.REDIRECT + "): go");
        assertThat(first.hellos()).isEqualTo(1);
        assertThat(second.hellos()).as("a redirect from a redirected attempt is not followed").isEqualTo(1);
    }

    @Test
    void shouldCountARedirectAsAnAttemptAndBackOffWhenItFails() throws Exception {
        final FakeNode draining = node(FakeNode.welcoming(FakeNode.deadUrl()));
        final TetherClient c = track(builder().backoff(LONG, LONG, 1).connect(List.of(draining.url())));

        draining.redirect();

        final TetherClosedException why = c.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(why).as("the redirect spent the budget of one attempt").hasMessageContaining("gave up");
        assertThat(c.state()).isEqualTo(ClientState.FAILED);
        assertThat(draining.hellos()).as("not back to the node that redirected").isEqualTo(1);
    }

    @Test
    void shouldCloseAtOnceWhileItsConnectToAnotherEndpointIsUnderWay() throws Exception {
        final FakeNode vanishing = node(FakeNode.welcoming(""));
        final String stalled = stalledUrl();
        final TetherClient c = track(builder().connect(List.of(vanishing.url(), stalled)));
        vanishing.close();
        TestServers.await("dialling the stalled endpoint", () -> stalled.equals(c.endpoint())
            && c.state() == ClientState.CONNECTING);

        c.close();

        assertThat(c.closeFuture().get(5, TimeUnit.SECONDS).code()).isEqualTo(GoodbyeCode.NORMAL);
        final TetherClient next = track(builder().connect(List.of(url(server()))));
        assertThat(echo(next, "the client loop lives on")).isEqualTo("the client loop lives on");
    }

    /**
     * A port whose connects never complete: a listener that accepts nothing, its backlog of one filled, so the
     * kernel drops further SYNs and a client's connect stays under way.
     */
    private String stalledUrl() throws IOException {
        final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closing.add(listener);
        final InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        for (int i = 0; i < 2; i++) {
            final Socket filler = new Socket();
            closing.add(filler);
            filler.connect(at, 5000);
        }
        return "tcp://127.0.0.1:" + listener.getLocalPort();
    }

    private TetherClient.Builder builder() {
        return TetherClient.builder().clientId("endpoints").onStateChange(moves::add)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(100), Backoff.UNLIMITED);
    }

    private TetherServer server() {
        final TetherServer s = TetherServer.builder().config(TestServers.config()).start();
        closing.add(s);
        return s;
    }

    private FakeNode node(FakeNode n) {
        closing.add(n);
        return n;
    }

    private TetherClient track(TetherClient c) {
        closing.add(c);
        return c;
    }

    private static String url(TetherServer s) {
        return "tcp://127.0.0.1:" + TestServers.address(s).getPort();
    }

    private static String echo(TetherClient c, String text) throws Exception {
        return c.request("echo", ByteString.copyFromUtf8(text)).get(10, TimeUnit.SECONDS).getPayload().toStringUtf8();
    }
}
