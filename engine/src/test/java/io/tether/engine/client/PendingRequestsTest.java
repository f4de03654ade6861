package io.tether.engine.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pending requests against fake connections that record the requests written to them, in order. */
class PendingRequestsTest {
    /** A connection as the requests see it: what was written to it, as "id:payload". */
    private static final class Wire {
        final List<String> written = new CopyOnWriteArrayList<>();
    }

    private final PendingRequests<Wire> requests = new PendingRequests<>(
        (wire, id, method, payload, headers) -> wire.written.add(id + ":" + payload.toStringUtf8()));

    private CompletableFuture<Response> send(String payload) {
        final CompletableFuture<Response> f = new CompletableFuture<>();
        requests.send("echo", ByteString.copyFromUtf8(payload), Map.of(), f);
        return f;
    }

    private static Response answer(long id, String payload) {
        return Response.newBuilder().setId(id).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    private static TetherClosedException failure(CompletableFuture<Response> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.getNow(null);
            throw new AssertionError("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(TetherClosedException.class);
            return (TetherClosedException) e.getCause();
        }
    }

    @Test
    void shouldSendAtOnceOnTheLiveConnection() {
        final Wire a = new Wire();
        assertThat(requests.tryGoLive(a, false)).isTrue();

        send("one");
        send("two");

        assertThat(requests.live()).isSameAs(a);
        assertThat(a.written).containsExactly("1:one", "2:two");
    }

    @Test
    void shouldHoldRequestsWhileNoConnectionIsLiveAndSendThemInIdOrderWhenOneIs() {
        send("one");
        send("two");
        send("three");
        assertThat(requests.live()).isNull();

        final Wire a = new Wire();
        assertThat(requests.tryGoLive(a, false)).isTrue();
        send("four");

        assertThat(a.written).containsExactly("1:one", "2:two", "3:three", "4:four");
    }

    @Test
    void shouldResendEveryUnansweredRequestInIdOrderAfterAResume() throws Exception {
        final Wire a = new Wire();
        requests.tryGoLive(a, false);
        final CompletableFuture<Response> one = send("one");
        final CompletableFuture<Response> two = send("two");
        final CompletableFuture<Response> three = send("three");
        requests.complete(answer(2, "two"));
        requests.connectionLost();
        final CompletableFuture<Response> four = send("four"); // made while reconnecting

        final Wire b = new Wire();
        assertThat(requests.tryGoLive(b, false)).isTrue();

        assertThat(b.written).containsExactly("1:one", "3:three", "4:four");
        assertThat(two.get(1, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("two");
        requests.complete(answer(1, "one"));
        requests.complete(answer(3, "three"));
        requests.complete(answer(4, "four"));
        assertThat(List.of(one.get(1, TimeUnit.SECONDS), three.get(1, TimeUnit.SECONDS), four.get(1, TimeUnit.SECONDS)))
            .extracting(r -> r.getPayload().toStringUtf8()).containsExactly("one", "three", "four");
        assertThat(requests.size()).isZero();
    }

    @Test
    void shouldCompleteEachRequestOnceAndIgnoreAnAnswerToNoPendingId() throws Exception {
        final Wire a = new Wire();
        requests.tryGoLive(a, false);
        final CompletableFuture<Response> one = send("one");

        requests.complete(answer(1, "first"));
        requests.complete(answer(1, "again")); // a duplicate answer
        requests.complete(answer(99, "stray"));

        assertThat(one.get(1, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("first");
        assertThat(requests.size()).isZero();
        requests.connectionLost();
        final Wire b = new Wire();
        requests.tryGoLive(b, false);
        assertThat(b.written).as("nothing answered is sent again").isEmpty();
    }

    @Test
    void shouldFailWhatTheLostSessionMayHaveRunAndSendWhatItNeverSaw() throws Exception {
        final CompletableFuture<Response> waiting = send("waiting"); // made before any connection
        final Wire a = new Wire();
        requests.tryGoLive(a, false);
        final CompletableFuture<Response> sent = send("sent");
        requests.connectionLost();
        final CompletableFuture<Response> queued = send("queued");

        final Wire b = new Wire();
        assertThat(requests.tryGoLive(b, true)).isTrue();

        assertThat(b.written).containsExactly("3:queued");
        final TetherClosedException e = failure(sent);
        assertThat(e.code()).isEqualTo(GoodbyeCode.GOING_AWAY);
        assertThat(e).hasMessageContaining("may or may not have run");
        assertThat(failure(waiting).code()).as("sent on a, so the old session may have run it")
            .isEqualTo(GoodbyeCode.GOING_AWAY);
        assertThat(queued).isNotDone();
        requests.complete(answer(3, "queued"));
        assertThat(queued.get(1, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("queued");
    }

    @Test
    void shouldFailEveryPendingRequestWithTheCauseWhenTheClientIsDone() {
        final Wire a = new Wire();
        requests.tryGoLive(a, false);
        final CompletableFuture<Response> sent = send("sent");
        requests.connectionLost();
        final CompletableFuture<Response> queued = send("queued");
        final TetherClosedException cause = new TetherClosedException(GoodbyeCode.KICKED, "kicked");

        requests.failAll(cause);

        assertThat(failure(sent)).isSameAs(cause);
        assertThat(failure(queued)).isSameAs(cause);
        assertThat(requests.size()).isZero();
        assertThat(requests.fail(2, cause)).as("already failed").isFalse();
    }

    @Test
    void shouldNotGoLiveWhileASenderHoldsTheLockSoNoNewRequestOvertakesAResend() throws Exception {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Wire a = new Wire();
        final PendingRequests<Wire> blocking = new PendingRequests<>((wire, id, method, payload, headers) -> {
            wire.written.add(id + ":" + payload.toStringUtf8());
            if (wire == a && id == 2) {
                writing.countDown();
                await(release);
            }
        });
        blocking.tryGoLive(a, false);
        blocking.send("echo", ByteString.copyFromUtf8("one"), Map.of(), new CompletableFuture<>());
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final Thread sender = Thread.ofVirtual().start(() -> {
            try {
                blocking.send("echo", ByteString.copyFromUtf8("two"), Map.of(), new CompletableFuture<>());
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
        blocking.connectionLost();
        final Wire b = new Wire();

        assertThat(blocking.tryGoLive(b, false)).as("a sender holds the lock").isFalse();
        assertThat(b.written).isEmpty();
        assertThat(blocking.live()).isNull();

        release.countDown();
        sender.join(5000);
        assertThat(sender.isAlive()).isFalse();
        assertThat(failed.get()).isNull();
        assertThat(blocking.tryGoLive(b, false)).isTrue();
        blocking.send("echo", ByteString.copyFromUtf8("three"), Map.of(), new CompletableFuture<>());
        assertThat(b.written).containsExactly("1:one", "2:two", "3:three");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldKeepEachSendersOrderOnTheNewConnectionWhileSendersRaceTheResume() throws Exception {
        final Wire a = new Wire();
        requests.tryGoLive(a, false);
        final int perSender = 500;
        final Thread[] senders = new Thread[4];
        for (int s = 0; s < senders.length; s++) {
            final int sender = s;
            senders[s] = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perSender; i++) {
                    send(sender + "/" + i);
                }
            });
        }
        requests.connectionLost();
        final Wire b = new Wire();
        while (!requests.tryGoLive(b, false)) {
            Thread.onSpinWait();
        }
        for (Thread t : senders) {
            t.join();
        }

        // Nothing was answered, so b carries every request once: the re-sent ones, then the ones made after.
        final List<String> payloads = b.written.stream().map(w -> w.substring(w.indexOf(':') + 1)).toList();
        assertThat(payloads).hasSize(senders.length * perSender).doesNotHaveDuplicates();
        for (int s = 0; s < senders.length; s++) {
            final String prefix = s + "/";
            assertThat(payloads.stream().filter(p -> p.startsWith(prefix))
                .map(p -> Integer.parseInt(p.substring(prefix.length()))).toList())
                .as("sender %d's requests in the order it made them", s).isSorted().hasSize(perSender);
        }
    }

    @Test
    void shouldLeaveAFailedFutureFailed() throws ExecutionException, InterruptedException {
        final CompletableFuture<Response> one = send("one");
        final TetherClosedException cause = new TetherClosedException(GoodbyeCode.NORMAL, "closed");
        assertThat(requests.fail(1, cause)).isTrue();

        requests.complete(answer(1, "late"));

        assertThat(failure(one)).isSameAs(cause);
    }
}
