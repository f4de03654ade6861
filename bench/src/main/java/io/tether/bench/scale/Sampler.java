package io.tether.bench.scale;

import io.tether.bench.report.ScaleReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The nodes over time, for the report's plots: every period, on a virtual thread of its own, each node's session
 * count (one small GET of its admin endpoint), its CPU over the period (the process's CPU time) and its RSS (from
 * /proc). Nothing the run does waits on it; a node that is down or restarting reads as unknown.
 */
final class Sampler {
    private final List<Node> nodes;
    private final long zeroNanos;
    private final long periodNanos;
    private final List<ScaleReport.Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts sampling {@code nodes} (which do not change from here on); times count from {@code zeroNanos}. */
    Sampler(List<Node> nodes, long zeroNanos, Duration period) {
        this.nodes = List.copyOf(nodes);
        this.zeroNanos = zeroNanos;
        this.periodNanos = period.toNanos();
        this.thread = Thread.ofVirtual().name("scale-sampler").start(this::loop);
    }

    private void loop() {
        final int n = nodes.size();
        final long[] pids = new long[n];
        final double[] cpuBefore = new double[n];
        final long[] before = new long[n];
        long next = System.nanoTime();
        while (running) {
            final long now = System.nanoTime();
            final double[] sessions = new double[n];
            final double[] cpu = new double[n];
            final double[] rss = new double[n];
            for (int i = 0; i < n; i++) {
                final Process p = nodes.get(i).process();
                sessions[i] = cpu[i] = rss[i] = Double.NaN;
                if (p == null) {
                    pids[i] = 0;
                    continue;
                }
                final int count = nodes.get(i).sessions();
                sessions[i] = count < 0 ? Double.NaN : count;
                final long bytes = Node.rssBytes(p);
                rss[i] = bytes < 0 ? Double.NaN : bytes;
                final double seconds = Node.cpuSeconds(p);
                if (pids[i] == p.pid() && seconds >= 0 && cpuBefore[i] >= 0) {
                    cpu[i] = 100 * (seconds - cpuBefore[i]) / Math.max(1e-9, (now - before[i]) / 1e9);
                }
                pids[i] = p.pid();
                cpuBefore[i] = seconds;
                before[i] = now;
            }
            synchronized (samples) {
                samples.add(new ScaleReport.Sample((now - zeroNanos) / 1e9, sessions, cpu, rss));
            }
            next += periodNanos;
            final long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime();
            }
        }
    }

    /** What was sampled so far. */
    List<ScaleReport.Sample> samples() {
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    /** Stops sampling; waits for the sample under way. */
    void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(15));
    }
}
