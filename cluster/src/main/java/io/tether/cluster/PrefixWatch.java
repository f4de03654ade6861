package io.tether.cluster;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.tether.session.Backoff;
import io.tether.telemetry.log.LogEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Follows the keys under one etcd prefix: reads them whole, then watches from the next revision, so no change between
 * the two is lost. A watch that fails or ends reads the prefix whole again after a backoff and hands the listener
 * the whole new set ({@link Listener#reloaded}), so a change missed while etcd was away is not missed for good. As
 * for the etcd config source, a watchdog asks etcd for a progress notification every quarter of
 * {@code etcd-watchdog}; when nothing at all (event, progress, creation) arrived for a whole {@code etcd-watchdog},
 * the prefix is read again and the watch restarted, so a watch that died without a word cannot leave the node on
 * stale members and moves for good. The listener is called on the cluster's one scheduler thread, one call at a time.
 */
final class PrefixWatch implements AutoCloseable {
    private static final LogEvent RETRY = LogEvent.warn(PrefixWatch.class, "cluster.etcd.retry");
    private static final LogEvent SILENT = LogEvent.warn(PrefixWatch.class, "cluster.etcd.watch.silent");

    /** Hears of the prefix's keys. */
    interface Listener {
        void put(String key, String value);

        void deleted(String key);

        /** The whole prefix, read again: what is not in it is gone. */
        void reloaded(Map<String, String> all);
    }

    private final Client client;
    private final String prefix;
    private final Listener listener;
    private final ScheduledExecutorService thread;
    private final Duration timeout;
    private final Duration watchdog;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), Backoff.UNLIMITED,
        ThreadLocalRandom.current());
    // ---- the scheduler thread's
    private Watch.Watcher watcher;
    private long generation;
    private long seenRevision;
    private long lastHeardNanos = System.nanoTime();
    /** A whole-prefix read is under way or waiting for its retry: the watchdog does not start another. */
    private boolean resyncing;
    private volatile boolean closed;

    PrefixWatch(Client client, String prefix, Listener listener, ScheduledExecutorService thread, Duration timeout,
                Duration watchdog) {
        this.client = client;
        this.prefix = prefix;
        this.listener = listener;
        this.thread = thread;
        this.timeout = timeout;
        this.watchdog = watchdog;
    }

    /** Reads the prefix (waiting for it, at most the timeout) and starts watching. */
    void start() throws Exception {
        final GetResponse first = read().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        thread.submit(() -> {
            loaded(first);
            watchFrom(seenRevision + 1);
        }).get();
        final long period = Math.max(10, watchdog.toMillis() / 4);
        thread.scheduleWithFixedDelay(this::checkWatch, period, period, TimeUnit.MILLISECONDS);
    }

    /** The watchdog (the scheduler thread): reads the prefix again when the watch has been silent too long. */
    private void checkWatch() {
        if (closed || resyncing) {
            return;
        }
        if (System.nanoTime() - lastHeardNanos > watchdog.toNanos()) {
            SILENT.log("what", "watching " + prefix, "silent_ms", watchdog.toMillis());
            stopWatch();
            resync();
        } else if (watcher != null) {
            client.getWatchClient().requestProgress();
        }
    }

    /** For a test: the watch stops delivering, without a word, as a watch that died silently. */
    void loseWatchSilently() throws Exception {
        thread.submit(() -> {
            generation++; // what the watch still delivers is dropped
        }).get();
    }

    private CompletableFuture<GetResponse> read() {
        return client.getKVClient().get(ClusterKeys.bytes(prefix), GetOption.builder().isPrefix(true).build())
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void loaded(GetResponse response) {
        final Map<String, String> all = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
            all.put(ClusterKeys.text(kv.getKey()), ClusterKeys.text(kv.getValue()));
        }
        seenRevision = response.getHeader().getRevision();
        listener.reloaded(all);
    }

    private void resync() {
        if (closed) {
            return;
        }
        resyncing = true;
        read().whenComplete((response, error) -> thread.execute(() -> {
            if (error != null) {
                retryLater("reading " + prefix, error, this::resync);
                return;
            }
            backoff.reset();
            resyncing = false;
            lastHeardNanos = System.nanoTime();
            loaded(response);
            watchFrom(seenRevision + 1);
        }));
    }

    private void watchFrom(long revision) {
        if (closed) {
            return;
        }
        stopWatch();
        final long gen = ++generation;
        final WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision)
            .withProgressNotify(true).withCreateNotify(true).build();
        watcher = client.getWatchClient().watch(ClusterKeys.bytes(prefix), option, new Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
                thread.execute(() -> {
                    if (gen == generation) {
                        onWatch(response);
                    }
                });
            }

            @Override
            public void onError(Throwable error) {
                thread.execute(() -> {
                    if (gen == generation && !closed) {
                        stopWatch();
                        resyncing = true;
                        retryLater("watching " + prefix, error, PrefixWatch.this::resync);
                    }
                });
            }

            @Override
            public void onCompleted() {
                onError(new IllegalStateException("the watch ended"));
            }
        });
    }

    private void onWatch(WatchResponse response) {
        lastHeardNanos = System.nanoTime();
        backoff.reset();
        for (WatchEvent event : response.getEvents()) {
            final KeyValue kv = event.getKeyValue();
            seenRevision = Math.max(seenRevision, kv.getModRevision());
            final String key = ClusterKeys.text(kv.getKey());
            if (event.getEventType() == WatchEvent.EventType.DELETE) {
                listener.deleted(key);
            } else if (event.getEventType() == WatchEvent.EventType.PUT) {
                listener.put(key, ClusterKeys.text(kv.getValue()));
            }
        }
        if (response.getEvents().isEmpty()) { // progress or creation: the revision etcd is at, for this watch
            seenRevision = Math.max(seenRevision, response.getHeader().getRevision());
        }
    }

    private void retryLater(String what, Throwable error, Runnable retry) {
        final long delay = backoff.nextDelay().orElse(Duration.ofSeconds(2)).toMillis();
        RETRY.log("what", what, "error", error.toString(), "retry_ms", delay);
        if (!closed) {
            thread.schedule(retry, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void stopWatch() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.execute(this::stopWatch);
    }
}
