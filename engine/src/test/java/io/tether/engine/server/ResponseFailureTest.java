package io.tether.engine.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.Status;
import io.tether.codec.proto.Response;
import io.tether.engine.TestServers;
import io.tether.engine.client.TetherClient;
import io.tether.telemetry.Metric;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reply whose encoding throws (inside {@code respond}, after the handler returned): the request still gets an
 * answer, the session goes on being served in order, and a graceful shutdown does not wait out its grace period
 * for a request that will never finish.
 */
class ResponseFailureTest {
    private static final ByteString POISON = ByteString.copyFromUtf8("cannot be encoded");

    @ParameterizedTest
    @ValueSource(strings = {"virtual", "inline"})
    void shouldKeepServingTheSessionAndShutDownPromptly(String dispatch) throws Exception {
        final TetherServer server = new TetherServerBuilder()
            .config(TestServers.config("dispatch", dispatch, "shutdown-grace", "30s"))
            .encodingHook(reply -> {
                if (reply.payload().equals(POISON)) {
                    throw new IllegalStateException("the encoder failed");
                }
            })
            .start();
        boolean closed = false;
        try (TetherClient client = TetherClient.builder().clientId("poisoned-" + dispatch)
            .connect(TestServers.address(server))) {
            // Several in flight at once, so the poisoned one sits in the worker's mailbox between good ones.
            final CompletableFuture<Response> before = client.request("echo", ByteString.copyFromUtf8("before"));
            final CompletableFuture<Response> poisoned = client.request("echo", POISON);
            final CompletableFuture<Response> after = client.request("echo", ByteString.copyFromUtf8("after"));

            final Response failed = poisoned.get(10, TimeUnit.SECONDS);
            assertThat(failed.getStatus()).isEqualTo(Status.INTERNAL);
            assertThat(failed.getError()).contains("could not be sent").contains("IllegalStateException");
            assertThat(before.get(10, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("before");
            assertThat(after.get(10, TimeUnit.SECONDS).getPayload().toStringUtf8()).isEqualTo("after");
            for (int i = 0; i < 50; i++) {
                final Response r = client.request("echo", ByteString.copyFromUtf8("more " + i)).get(10,
                    TimeUnit.SECONDS);
                assertThat(r.getPayload().toStringUtf8()).isEqualTo("more " + i);
            }
            assertThat(server.counters().total(Metric.HANDLER_ERRORS)).isEqualTo(1);
            TestServers.await("every request counted done", () -> server.dispatcher().inflight() == 0);

            // Shutdown with a 30 s grace returns as soon as nothing runs: it does not wait for the lost request.
            final long started = System.nanoTime();
            server.close();
            closed = true;
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        } finally {
            if (!closed) {
                server.shutdown(Duration.ofSeconds(1));
            }
        }
    }
}
