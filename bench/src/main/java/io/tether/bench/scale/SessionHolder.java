package io.tether.bench.scale;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.engine.client.TetherClient;
import io.tether.session.Backoff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * One process of a {@link ScaleRun}: holds N sessions (tether clients that know every node, so a node that drains or
 * goes away sends them to another), checks every push they get by its per-session sequence, and runs request load
 * when told. Commands on stdin, one per line; each answered with one line on stdout:
 * <ul>
 *   <li>{@code connect N RATE}: opens N sessions at RATE per second; answers {@code connected N SECONDS FAILED}</li>
 *   <li>{@code ids FILE}: writes the session ids, one per line; answers {@code ids N}</li>
 *   <li>{@code status}: {@code status LIVE RECEIVED GAPS DUPLICATES NEW_SESSIONS}</li>
 *   <li>{@code pushlat [FILE]}: the push latency since the last {@code pushlat} (from the push's send time in its
 *       payload to its receipt, on the shared wall clock): {@code pushlat COUNT P50 P99 P999 MAX} in microseconds;
 *       with FILE, the histogram also goes there (see {@link #write})</li>
 *   <li>{@code requests RATE SECONDS [FILE]}: echo requests at RATE per second over the sessions, open loop; answers
 *       {@code requests COUNT ERRORS P50 P99 P999 MAX} in microseconds from each request's intended send time;
 *       with FILE, the histogram also goes there</li>
 *   <li>{@code close}: closes every session (ramp-down); answers {@code closed SECONDS}</li>
 * </ul>
 * A push's payload is {@code SEQ:EPOCH_MICROS}; SEQ counts from 0 per session, so a gap or a repeat is a lost or
 * duplicated push.
 */
public final class SessionHolder {
    private final List<String> endpoints;
    private final String prefix;
    private final List<Held> held = Collections.synchronizedList(new ArrayList<>());
    private final Recorder pushLatency = new Recorder(TimeUnit.MINUTES.toMicros(10), 3);
    private final LongAdder received = new LongAdder();
    private final LongAdder gaps = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder lost = new LongAdder();

    private SessionHolder(List<String> endpoints, String prefix) {
        this.endpoints = endpoints;
        this.prefix = prefix;
    }

    /** A session and the next push seq it expects. */
    private final class Held {
        final TetherClient client;
        long expected;

        Held(int i) throws Exception {
            this.client = TetherClient.builder().clientId(prefix + i).timeout(Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(5), Backoff.UNLIMITED)
                .onSessionLost(lost::increment)
                .onPush(this::onPush).connect(endpoints);
        }

        private void onPush(Push p) {
            final String text = p.getPayload().toStringUtf8();
            final int colon = text.indexOf(':');
            final long seq = Long.parseLong(text.substring(0, colon));
            final Instant now = Instant.now();
            final long sentMicros = Long.parseLong(text.substring(colon + 1));
            pushLatency.recordValue(Math.max(0, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - sentMicros));
            received.increment();
            synchronized (this) {
                if (seq == expected) {
                    expected++;
                } else if (seq < expected) {
                    duplicates.increment();
                } else {
                    gaps.add(seq - expected);
                    expected = seq + 1;
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        final SessionHolder h = new SessionHolder(List.of(args[0].split(",")), args[1]);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            final String[] cmd = line.trim().split("\\s+");
            final String answer = switch (cmd[0]) {
                case "connect" -> h.connect(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]));
                case "ids" -> h.ids(Path.of(cmd[1]));
                case "status" -> h.status();
                case "pushlat" -> "pushlat " + summary(h.pushLatency.getIntervalHistogram(), file(cmd, 1));
                case "requests" -> h.requests(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]), file(cmd, 3));
                case "close" -> h.closeAll();
                default -> "error unknown command " + cmd[0];
            };
            System.out.println(answer);
            System.out.flush();
        }
        System.exit(0);
    }

    private String connect(int n, int rate) {
        final long start = System.nanoTime();
        final long period = 1_000_000_000L / Math.max(1, rate);
        final AtomicLong failed = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        final int base = held.size();
        for (int i = 0; i < n; i++) {
            final long due = start + i * period;
            while (System.nanoTime() < due) {
                LockSupport.parkNanos(due - System.nanoTime());
            }
            final int index = base + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    held.add(new Held(index));
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return "connected " + held.size() + " " + String.format("%.1f", (System.nanoTime() - start) / 1e9) + " "
            + failed.get();
    }

    private String ids(Path file) throws Exception {
        final List<String> ids = new ArrayList<>();
        synchronized (held) {
            for (Held s : held) {
                ids.add(s.client.sessionId());
            }
        }
        Files.write(file, ids);
        return "ids " + ids.size();
    }

    private String status() {
        int live = 0;
        synchronized (held) {
            for (Held s : held) {
                if (s.client.isOpen()) {
                    live++;
                }
            }
        }
        return "status " + live + " " + received.sum() + " " + gaps.sum() + " " + duplicates.sum() + " " + lost.sum();
    }

    private String requests(int rate, int seconds, Path file) throws IOException {
        final List<Held> sessions;
        synchronized (held) {
            sessions = new ArrayList<>(held);
        }
        final Recorder latency = new Recorder(TimeUnit.MINUTES.toMicros(10), 3);
        final LongAdder errors = new LongAdder();
        final LongAdder done = new LongAdder();
        final long period = 1_000_000_000L / Math.max(1, rate);
        final long total = (long) rate * seconds;
        final long start = System.nanoTime();
        final ByteString payload = ByteString.copyFromUtf8("0123456789abcdef");
        for (long i = 0; i < total; i++) {
            final long intended = start + i * period;
            while (System.nanoTime() < intended) {
                LockSupport.parkNanos(intended - System.nanoTime());
            }
            sessions.get((int) (i % sessions.size())).client.request("echo", payload).whenComplete((r, e) -> {
                if (e != null || r.getStatus() != 0) {
                    errors.increment();
                } else {
                    latency.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
                }
                done.increment();
            });
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.sum() < total && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return "requests " + done.sum() + " " + (errors.sum() + total - done.sum()) + " "
            + summary(latency.getIntervalHistogram(), file);
    }

    private String closeAll() {
        final long start = System.nanoTime();
        synchronized (held) {
            held.parallelStream().forEach(s -> s.client.close());
            held.clear();
        }
        return "closed " + String.format("%.1f", (System.nanoTime() - start) / 1e9);
    }

    /** The command's argument at {@code at} as a file, or null without one. */
    private static Path file(String[] cmd, int at) {
        return cmd.length > at ? Path.of(cmd[at]) : null;
    }

    /** COUNT P50 P99 P999 MAX; and {@code h} written to {@code file} unless it is null. */
    private static String summary(Histogram h, Path file) throws IOException {
        if (file != null) {
            write(h, file);
        }
        return h.getTotalCount() + " " + h.getValueAtPercentile(50) + " " + h.getValueAtPercentile(99) + " "
            + h.getValueAtPercentile(99.9) + " " + h.getMaxValue();
    }

    /**
     * Writes {@code h} to {@code file} as one interval of an HdrHistogram log (microseconds; timestamps in seconds
     * since the epoch), which {@link #read} reads back.
     */
    static void write(Histogram h, Path file) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            final HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputLogFormatVersion();
            writer.outputLegend();
            writer.outputIntervalHistogram(h.getStartTimeStamp() / 1000.0, h.getEndTimeStamp() / 1000.0, h, 1000.0);
            if (out.checkError()) {
                throw new IOException("could not write " + file);
            }
        }
    }

    /** Every histogram in {@code file}, added up. */
    static Histogram read(Path file) throws IOException {
        final Histogram sum = new Histogram(3);
        try (HistogramLogReader reader = new HistogramLogReader(file.toFile())) {
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                sum.add((Histogram) h);
            }
        }
        return sum;
    }
}
