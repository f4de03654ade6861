package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.HandWire.Fields;
import io.tether.engine.reactor.LoopCarriedThreads;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handlers' virtual threads carried by the event loop ({@code virtual-carrier loop}, the default): a handler runs on
 * the loop's own thread as its carrier, one that blocks in a socket call parks and leaves the loop serving others,
 * {@code shared} uses the JDK's scheduler, and a JVM that cannot make loop-carried threads falls back to it, says
 * why, and serves as before.
 */
class LoopCarrierTest {
    private final ServerWithRawClients servers = new ServerWithRawClients();

    @AfterEach
    void tearDown() throws IOException {
        servers.close();
    }

    /** A server whose "carrier" method answers with the handler's thread, as {@link Thread#toString} shows it. */
    private TetherServer carrierServer(String... config) {
        return servers.start(TetherServer.builder().onRequest("carrier", call -> Reply.ok(
            (Thread.currentThread().isVirtual() + " " + Thread.currentThread()).getBytes(StandardCharsets.UTF_8))),
            config);
    }

    private static String ask(RawClient c, long id, String method) throws IOException {
        c.sendFrame(HandWire.request(id, method, HandWire.utf8("")));
        final Fields response = c.read(HandWire.RESPONSE);
        assertThat(response.varint(1)).isEqualTo(id);
        assertThat(response.varint(2)).as("status of %s", response).isZero();
        return response.string(3);
    }

    @Test
    void shouldRunHandlersOnVirtualThreadsTheLoopCarries() throws Exception {
        // The build opens java.lang to the tests; before JDK 24 loops never carry them (see LoopCarriedThreads).
        assertThat(LoopCarriedThreads.available()).as("loop-carried threads: %s", LoopCarriedThreads.unavailable())
            .isEqualTo(Runtime.version().feature() >= 24);
        final String carrier = LoopCarriedThreads.available() ? "@tether-io-0" : "@ForkJoinPool";
        carrierServer("io-threads", "1");
        final RawClient c = servers.connect();
        c.hello("carried");
        for (int i = 1; i <= 3; i++) {
            // VirtualThread's toString names its carrier after the '@': the loop's own platform thread.
            assertThat(ask(c, i, "carrier")).startsWith("true ").contains(carrier);
        }
    }

    @Test
    void shouldRunHandlersOnTheJdkSchedulerWhenShared() throws Exception {
        carrierServer("io-threads", "1", "virtual-carrier", "shared");
        final RawClient c = servers.connect();
        c.hello("shared");
        assertThat(ask(c, 1, "carrier")).startsWith("true ").contains("@ForkJoinPool").doesNotContain("tether-io");
    }

    @Test
    void shouldServeOthersWhileAHandlerBlocksInASocketRead() throws Exception {
        try (ServerSocket slow = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final CountDownLatch reading = new CountDownLatch(1);
            servers.start(TetherServer.builder().onRequest("fetch", call -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), slow.getLocalPort());
                     InputStream in = s.getInputStream()) {
                    reading.countDown();
                    return Reply.ok(in.readAllBytes()); // parks on the JDK's poller until the peer writes and closes
                }
            }), "io-threads", "1");
            final RawClient blocked = servers.connect();
            blocked.hello("blocked");
            blocked.sendFrame(HandWire.request(1, "fetch", HandWire.utf8("")));
            try (Socket peer = slow.accept()) {
                assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
                // The only loop is free: another session is answered while the handler waits for the socket.
                final RawClient other = servers.connect();
                other.hello("other");
                for (int i = 0; i < 50; i++) {
                    other.echo("meanwhile " + i);
                }
                try (OutputStream out = peer.getOutputStream()) {
                    out.write("fetched".getBytes(StandardCharsets.UTF_8));
                }
            }
            final Fields response = blocked.read(HandWire.RESPONSE);
            assertThat(response.varint(1)).isEqualTo(1);
            assertThat(response.string(3)).isEqualTo("fetched");
        }
    }

    /**
     * The loop, its handlers and other threads all take a session's monitor: the loop to flush pushes, a handler to
     * answer, a pusher to queue. A handler that finds the monitor taken is unmounted; were it resumed on the loop, a
     * loop that then waits for the same monitor would wait for itself. Every request must still be answered.
     */
    @Test
    void shouldAnswerEveryRequestWhileLoopHandlersAndPushersContendForSessions() throws Exception {
        final TetherServer server = servers.start("io-threads", "1");
        final int sessions = 4;
        final List<RawClient> clients = new ArrayList<>();
        final List<String> ids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            final RawClient c = servers.connect();
            ids.add(c.helloForSessionId("contended-" + i));
            clients.add(c);
        }
        final AtomicBoolean done = new AtomicBoolean();
        final ExecutorService threads = Executors.newCachedThreadPool();
        try {
            final List<Future<?>> pushers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                pushers.add(threads.submit(() -> {
                    for (long n = 0; !done.get(); n++) {
                        server.push(ids.get((int) (n % sessions)), "contend", HandWire.utf8("p" + n));
                    }
                }));
            }
            final List<Future<Integer>> senders = new ArrayList<>();
            for (RawClient c : clients) {
                senders.add(threads.submit(() -> {
                    int answered = 0;
                    long id = 0;
                    for (int round = 0; round < 100; round++) {
                        final ByteArrayOutputStream batch = new ByteArrayOutputStream();
                        for (int i = 0; i < 32; i++) {
                            batch.write(HandWire.delimited(HandWire.request(++id, "echo", HandWire.utf8("r" + id))));
                        }
                        c.send(batch.toByteArray());
                        // Pushes come in between; a request unanswered for 10 s fails the read.
                        for (int seen = 0; seen < 32; ) {
                            if (c.readFrame().kind() == HandWire.RESPONSE) {
                                seen++;
                                answered++;
                            }
                        }
                    }
                    return answered;
                }));
            }
            for (Future<Integer> f : senders) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(100 * 32);
            }
            done.set(true);
            for (Future<?> f : pushers) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            threads.shutdownNow();
        }
    }

    /**
     * Without {@code java.base/java.lang} opened, a JVM cannot make loop-carried threads: {@link CarrierProbe} in a
     * JVM started without that flag logs the fallback with its reason and its handler runs on the JDK's scheduler.
     */
    @Test
    void shouldFallBackToTheSharedSchedulerWhereLoopCarriersAreUnavailable() throws Exception {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>(List.of(java.toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CarrierProbe.class.getName()));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("dispatch.carrier.shared")
            .contains(Runtime.version().feature() >= 24 ? "java.lang is not open to tether" : "JDK 24+")
            .containsPattern("carrier: true .*@ForkJoinPool");
    }
}
