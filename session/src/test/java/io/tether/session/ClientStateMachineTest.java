package io.tether.session;

import static io.tether.session.ClientState.CLOSED;
import static io.tether.session.ClientState.CONNECTING;
import static io.tether.session.ClientState.ESTABLISHED;
import static io.tether.session.ClientState.FAILED;
import static io.tether.session.ClientState.IDLE;
import static io.tether.session.ClientState.RECONNECTING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientStateMachineTest {

    private final ClientStateMachine machine = new ClientStateMachine();
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    ClientStateMachineTest() {
        machine.addListener(t -> seen.add(t.serial() + " " + t.from() + "->" + t.to() + " (" + t.cause() + ")"));
    }

    @Test
    void shouldReportEveryTransitionOfAReconnectCycle() {
        assertThat(machine.state()).isEqualTo(IDLE);

        assertThat(machine.moveTo(CONNECTING, "start")).isTrue();
        assertThat(machine.moveTo(ESTABLISHED, "welcome")).isTrue();
        assertThat(machine.moveTo(RECONNECTING, "connection reset")).isTrue();
        assertThat(machine.moveTo(CONNECTING, "attempt 1")).isTrue();
        assertThat(machine.moveTo(RECONNECTING, "connect refused")).isTrue();
        assertThat(machine.moveTo(FAILED, "retry budget spent")).isTrue();
        assertThat(machine.close("user")).isTrue();

        assertThat(seen).containsExactly(
            "1 IDLE->CONNECTING (start)",
            "2 CONNECTING->ESTABLISHED (welcome)",
            "3 ESTABLISHED->RECONNECTING (connection reset)",
            "4 RECONNECTING->CONNECTING (attempt 1)",
            "5 CONNECTING->RECONNECTING (connect refused)",
            "6 RECONNECTING->FAILED (retry budget spent)",
            "7 FAILED->CLOSED (user)");
        assertThat(machine.lastTransition().to()).isEqualTo(CLOSED);
    }

    @Test
    void shouldRejectIllegalTransitionsWithoutNotifying() {
        assertThat(machine.moveTo(ESTABLISHED, "skipped connecting")).isFalse();
        assertThat(machine.moveTo(RECONNECTING, "never connected")).isFalse();
        assertThat(machine.moveTo(IDLE, "self")).isFalse();
        machine.moveTo(CONNECTING, "start");
        assertThat(machine.moveTo(CONNECTING, "again")).isFalse();
        assertThat(machine.moveTo(IDLE, "back")).isFalse();

        assertThat(machine.state()).isEqualTo(CONNECTING);
        assertThat(seen).containsExactly("1 IDLE->CONNECTING (start)");
    }

    @Test
    void shouldCloseFromEveryStateButClosed() {
        for (final ClientState state : ClientState.values()) {
            assertThat(state.canMoveTo(CLOSED)).as(state.name()).isEqualTo(state != CLOSED);
        }
    }

    @Test
    void shouldNeverLeaveClosed() {
        machine.close("user");

        for (final ClientState state : ClientState.values()) {
            assertThat(machine.moveTo(state, "after close")).isFalse();
        }
        assertThat(machine.close("twice")).isFalse();
        assertThat(seen).containsExactly("1 IDLE->CLOSED (user)");
    }

    @Test
    void shouldNotLetALateConnectReopenAClosedClient() {
        machine.moveTo(CONNECTING, "start");
        machine.close("user");

        assertThat(machine.moveFrom(CONNECTING, ESTABLISHED, "welcome arrived late")).isFalse();
        assertThat(machine.state()).isEqualTo(CLOSED);
    }

    @Test
    void shouldMarkOnlyFailedAndClosedTerminal() {
        assertThat(ClientState.values()).filteredOn(ClientState::isTerminal).containsExactly(FAILED, CLOSED);
    }

    @Test
    void shouldLetExactlyOneOfManyRacingClosesWin() throws Exception {
        final int threads = 8;
        final int rounds = 200;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                final ClientStateMachine raced = new ClientStateMachine();
                raced.moveTo(CONNECTING, "start");
                final AtomicInteger closedSeen = new AtomicInteger();
                raced.addListener(t -> {
                    if (t.to() == CLOSED) {
                        closedSeen.incrementAndGet();
                    }
                });
                final CyclicBarrier start = new CyclicBarrier(threads);
                final List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    final boolean closer = t % 2 == 0;
                    results.add(pool.submit(() -> {
                        start.await();
                        return closer ? raced.close("user") : raced.moveTo(ESTABLISHED, "welcome");
                    }));
                }
                int closes = 0;
                int establishes = 0;
                for (int t = 0; t < threads; t++) {
                    if (results.get(t).get()) {
                        if (t % 2 == 0) {
                            closes++;
                        } else {
                            establishes++;
                        }
                    }
                }

                assertThat(closes).isEqualTo(1);
                assertThat(establishes).isLessThanOrEqualTo(1);
                assertThat(closedSeen).hasValue(1);
                assertThat(raced.state()).isEqualTo(CLOSED);
                assertThat(raced.lastTransition().serial()).isEqualTo(2 + establishes);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
