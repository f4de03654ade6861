package io.tether.bench;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.server.BuiltinMethods;
import io.tether.session.Backoff;
import io.tether.tls.TlsClientSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * {@code tether bench --chaos RATE}: sessions that message each other while their connections are cut with TCP
 * resets at RATE cuts per second, counting every message lost, duplicated or out of order as the application sees
 * it. Session i sends numbered messages to session i+1 with the built-in {@code send} (a request to the server, a
 * push to the receiver); every client is a resuming {@link TetherClient}. All three counts must be zero.
 */
public final class ChaosBench {
    /**
     * What a chaos run found. {@code lost}, {@code duplicated} and {@code outOfOrder} must all be 0;
     * {@code firstFailure} says why the first failed request failed (null when none did).
     */
    public record Result(int sessions, double seconds, long cuts, long sent, long received, long lost,
                         long duplicated, long outOfOrder, long failedRequests, String firstFailure, long resumes,
                         long sessionsLost) {
        public boolean clean() {
            return lost == 0 && duplicated == 0 && outOfOrder == 0 && failedRequests == 0;
        }
    }

    /**
     * What one session received from its sender: the next number expected, and what went wrong (also the storm
     * bench's per-session push check).
     */
    static final class Inbox {
        long next = 1;
        long received;
        long duplicated;
        long outOfOrder;

        synchronized void accept(long n) {
            if (n == next) {
                next++;
                received++;
            } else if (n < next) {
                duplicated++;
            } else {
                outOfOrder++;
                received++;
                next = n + 1;
            }
        }

        synchronized long received() {
            return received;
        }
    }

    private ChaosBench() {
    }

    public static Result run(ListenAddress target, TlsClientSettings tls, int sessions, int pipeline,
                             Duration duration, double cutsPerSecond, Consumer<String> progress)
        throws IOException, InterruptedException {
        if (sessions < 2) {
            throw new IllegalArgumentException("--chaos needs at least 2 sessions (each sends to the next)");
        }
        final Inbox[] inboxes = new Inbox[sessions];
        final TetherClient[] clients = new TetherClient[sessions];
        final AtomicLong resumes = new AtomicLong();
        try {
            for (int i = 0; i < sessions; i++) {
                final Inbox inbox = inboxes[i] = new Inbox();
                final TetherClient.Builder b = TetherClient.builder().clientId("chaos-" + i)
                    .backoff(Duration.ofMillis(10), Duration.ofSeconds(1), Backoff.UNLIMITED)
                    .onStateChange(t -> {
                        if ("resumed".equals(t.cause())) {
                            resumes.incrementAndGet();
                        }
                    })
                    .onPush(p -> inbox.accept(number(p)));
                if (tls != null) {
                    b.tls(tls);
                }
                clients[i] = b.connect(target.toString());
            }
            final long[] sent = new long[sessions];
            final Failures failed = new Failures();
            final AtomicLong cuts = new AtomicLong();
            final long start = System.nanoTime();
            final long end = start + duration.toNanos();
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < sessions; i++) {
                    final int from = i;
                    senders.submit(() -> send(clients, from, pipeline, end, sent, failed));
                }
                final Thread cutter = Thread.ofPlatform().daemon().name("chaos-cutter").start(() -> {
                    final long gap = (long) (TimeUnit.SECONDS.toNanos(1) / cutsPerSecond);
                    long next = System.nanoTime() + gap;
                    while (next < end) {
                        LockSupport.parkNanos(next - System.nanoTime());
                        clients[ThreadLocalRandom.current().nextInt(sessions)].abort();
                        cuts.incrementAndGet();
                        next += gap;
                    }
                });
                long lastReport = start;
                while (System.nanoTime() < end) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    if (System.nanoTime() - lastReport >= TimeUnit.SECONDS.toNanos(1)) {
                        lastReport = System.nanoTime();
                        progress.accept(String.format("  %4.0f s  %,d cuts  %,d messages received  %,d resumes",
                            (lastReport - start) / 1e9, cuts.get(), totalReceived(inboxes), resumes.get()));
                    }
                }
                cutter.join();
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            long totalSent = 0;
            for (long s : sent) {
                totalSent += s;
            }
            // Every message whose send was answered must arrive; give stragglers (a receiver mid-resume) time.
            final long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (totalReceived(inboxes) < totalSent && System.nanoTime() < settleBy) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            final Tally t = tally(inboxes, i -> sent[(i + sessions - 1) % sessions]);
            long sessionsLost = 0;
            for (TetherClient c : clients) {
                sessionsLost += c.sessionsLost();
            }
            return new Result(sessions, seconds, cuts.get(), totalSent, t.received(), t.lost(), t.duplicated(),
                t.outOfOrder(), failed.count().get(), failed.first().get(), resumes.get(), sessionsLost);
        } finally {
            for (TetherClient c : clients) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /** Session {@code from} keeps {@code pipeline} messages to the next session in flight until {@code end}. */
    private static Void send(TetherClient[] clients, int from, int pipeline, long end, long[] sent,
                             Failures failed) throws InterruptedException {
        final TetherClient me = clients[from];
        final TetherClient to = clients[(from + 1) % clients.length];
        long n = 0;
        while (System.nanoTime() < end) {
            final List<CompletableFuture<Response>> batch = new ArrayList<>(pipeline);
            for (int i = 0; i < pipeline; i++) {
                final ByteBuffer payload = ByteBuffer.allocate(8).putLong(0, ++n);
                batch.add(me.request(BuiltinMethods.SEND, ByteString.copyFrom(payload),
                    Map.of("to", to.sessionId(), "topic", "chaos")));
            }
            for (CompletableFuture<Response> f : batch) {
                try {
                    final Response r = f.get(60, TimeUnit.SECONDS);
                    if (r.getStatus() == 0) {
                        sent[from]++;
                    } else {
                        failed.add("status " + r.getStatus() + ": " + r.getError());
                    }
                } catch (ExecutionException e) {
                    failed.add(String.valueOf(e.getCause()));
                } catch (TimeoutException e) {
                    failed.add("no response within 60 s");
                }
            }
        }
        return null;
    }

    /** What all inboxes together got against what was sent to them. */
    record Tally(long sent, long received, long lost, long duplicated, long outOfOrder) {
    }

    /** Sums the inboxes; {@code sentTo} gives the messages whose send to inbox i was answered. */
    static Tally tally(Inbox[] inboxes, java.util.function.IntToLongFunction sentTo) {
        long sent = 0;
        long received = 0;
        long duplicated = 0;
        long outOfOrder = 0;
        long lost = 0;
        for (int i = 0; i < inboxes.length; i++) {
            final Inbox in = inboxes[i];
            final long s = sentTo.applyAsLong(i);
            synchronized (in) {
                sent += s;
                received += in.received;
                duplicated += in.duplicated;
                outOfOrder += in.outOfOrder;
                lost += Math.max(0, s - in.received);
            }
        }
        return new Tally(sent, received, lost, duplicated, outOfOrder);
    }

    /** Requests that failed, and why the first one did. */
    record Failures(AtomicLong count, AtomicReference<String> first) {
        Failures() {
            this(new AtomicLong(), new AtomicReference<>());
        }

        void add(String why) {
            count.incrementAndGet();
            first.compareAndSet(null, why);
        }
    }

    /** The message number a chaos or storm push carries in its first 8 bytes. */
    static long number(Push p) {
        return p.getPayload().asReadOnlyByteBuffer().getLong(0);
    }

    static long totalReceived(Inbox[] inboxes) {
        long total = 0;
        for (Inbox in : inboxes) {
            total += in.received();
        }
        return total;
    }
}
