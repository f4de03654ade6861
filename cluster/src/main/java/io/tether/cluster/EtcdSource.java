package io.tether.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.tether.engine.config.ConfigFile;
import io.tether.engine.config.ConfigSource;
import io.tether.engine.config.LiveConfig;
import io.tether.engine.config.TetherConfig;
import io.tether.session.Backoff;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd layer of a {@link LiveConfig}: one key per setting under {@code etcd-prefix}, named as the flag without
 * its dashes, its value written as on the command line ({@code /tether/GROUP/heartbeat-interval = 7s}). Keys under
 * {@code PREFIX/status/} are the nodes' reports, not settings.
 *
 * <p>The prefix is read whole, then watched from that revision + 1, so no update between the two is lost. Each
 * event updates the source's copy of the prefix and the whole copy is offered as the etcd layer; the live config
 * applies or refuses it, and the node writes {@code PREFIX/status/NODE} (applied revision, last error) either way,
 * as an xDS NACK reports a rejected update. Applied settings are kept on disk ({@link LastGoodConfig}).
 *
 * <p>Failures: a watch that errors resumes from the last revision seen, after a backoff (counted); if etcd compacted
 * past it, the prefix is read again and the difference applied. A watchdog asks etcd for a progress notification
 * every quarter of {@code etcd-watchdog}; when nothing at all (event, progress, creation) arrived for a whole
 * {@code etcd-watchdog}, the prefix is read again and the watch restarted, so a silently dead watch cannot leave the
 * node on old config for ever. While etcd is down the server keeps its current config.
 *
 * <p>Threads: all state is owned by one scheduler thread; jetcd's callbacks only post to it.
 */
public final class EtcdSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdSource.class);
    static final String STATUS = "status/";

    private final Client client;
    private final String prefix;
    private final ByteSequence prefixKey;
    private final String nodeName;
    private final LastGoodConfig lastGood;
    private final Duration watchdog;
    /** How long a read of the prefix may take before it counts as failed. */
    private final Duration readTimeout;
    private final ScheduledExecutorService thread;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), Backoff.UNLIMITED,
        java.util.random.RandomGenerator.getDefault()); // only the scheduler thread draws from it

    // Owned by the scheduler thread once follow() has run.
    private final Map<String, String> values = new TreeMap<>();
    private long seenRevision;
    private long appliedRevision;
    private String lastError = "";
    private Watch.Watcher watcher;
    /** The last status put; the next one is sent when it is done. */
    private java.util.concurrent.CompletableFuture<?> statusWrites =
        java.util.concurrent.CompletableFuture.completedFuture(null);
    private long generation;
    private long lastHeardNanos;
    /** A whole-prefix read is under way or waiting for its retry: the watchdog does not start another. */
    private boolean resyncing;
    /** Whether {@link #values} came from etcd (not only from the last good file, which needs no rewrite). */
    private boolean fromEtcd;
    private LiveConfig live;
    private volatile boolean closed;

    private final String startupNote;
    private final boolean readAtStart;

    private EtcdSource(TetherConfig config, String nodeName) {
        this.client = EtcdClients.build(config);
        this.prefix = config.etcdPrefix();
        this.prefixKey = bytes(prefix);
        this.nodeName = nodeName;
        this.lastGood = LastGoodConfig.of(config, nodeName);
        this.watchdog = config.etcdWatchdog();
        this.readTimeout = config.etcdTimeout();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("tether-etcd")
            .daemon(true).unstarted(r));
        String note;
        boolean read;
        try {
            final GetResponse response = client.getKVClient().get(prefixKey, GetOption.builder().isPrefix(true)
                .build()).get(config.etcdTimeout().toMillis(), TimeUnit.MILLISECONDS);
            load(response);
            read = true;
            note = "settings from etcd " + String.join(",", config.etcdEndpoints()) + " under " + prefix
                + " at revision " + seenRevision;
        } catch (ExecutionException | TimeoutException e) {
            read = false;
            final String why = e instanceof TimeoutException ? "no answer in " + config.etcdTimeout().toMillis()
                + " ms" : String.valueOf(e.getCause());
            final LastGoodConfig.Kept kept = lastGood == null ? null : lastGood.read();
            if (kept != null) {
                kept.settings().forEach((name, v) -> values.put(name, String.join(",", v)));
                seenRevision = kept.revision();
                note = "etcd unreachable at startup (" + why + "): starting from the last good settings in "
                    + kept.file() + " (etcd revision " + kept.revision() + "), and retrying";
            } else {
                note = "etcd unreachable at startup (" + why + ") and no last good settings kept"
                    + (lastGood == null ? " (etcd-last-good off)" : " in " + lastGood.file())
                    + ": starting from flags and the config file alone, and retrying";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            thread.shutdownNow();
            throw new IllegalStateException("interrupted while reading etcd", e);
        }
        this.readAtStart = read;
        this.startupNote = note;
    }

    /**
     * Reads the prefix once, within {@code etcd-timeout}; if etcd cannot be reached, takes the last good settings
     * kept on disk instead (or none). Never fails for etcd being down: {@link #startupNote()} says what happened.
     */
    public static EtcdSource connect(TetherConfig config) {
        return new EtcdSource(config, nodeName(config));
    }

    /** {@code node-name}, or the host name. */
    public static String nodeName(TetherConfig config) {
        if (!config.nodeName().isEmpty()) {
            return config.nodeName();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            final String env = System.getenv("HOSTNAME");
            return env == null || env.isEmpty() ? "localhost" : env;
        }
    }

    /** The settings to start with: read from etcd, or kept from the last run, or none. */
    public Map<String, List<String>> initialLayer() {
        return layer();
    }

    /** What startup did: read etcd, or why not and what it started from instead. */
    public String startupNote() {
        return startupNote;
    }

    public String nodeName() {
        return nodeName;
    }

    /**
     * The live config a server starts with: {@code layers} (flags, the file) and the etcd layer on top of them by
     * precedence, then followed. When the etcd layer makes an invalid config, the server starts without it and the
     * reasons go to the status key, as for any refused change.
     *
     * @throws io.tether.engine.config.ConfigException when flags and file alone are invalid
     */
    public LiveConfig startLive(Map<ConfigSource, Map<String, List<String>>> layers) {
        final Map<ConfigSource, Map<String, List<String>>> all = new java.util.EnumMap<>(ConfigSource.class);
        all.putAll(layers);
        all.put(ConfigSource.ETCD, initialLayer());
        LiveConfig live;
        List<String> refusal = List.of();
        try {
            live = LiveConfig.start(all);
        } catch (io.tether.engine.config.ConfigException e) {
            live = LiveConfig.start(layers);
            refusal = e.problems();
            live.refuse(ConfigSource.ETCD, refusal);
        }
        follow(live, refusal);
        return live;
    }

    /**
     * Starts following etcd for {@code live}, whose etcd layer is {@link #initialLayer()} or, if that was refused
     * at startup ({@code startupRefusal} its reasons), empty.
     */
    public void follow(LiveConfig live, List<String> startupRefusal) {
        thread.execute(() -> {
            this.live = live;
            lastHeardNanos = System.nanoTime();
            if (startupRefusal.isEmpty()) {
                applied();
            } else {
                lastError = String.join("; ", startupRefusal);
                writeStatus();
            }
            if (readAtStart) {
                watchFrom(seenRevision + 1);
            } else {
                resync();
            }
            scheduleWatchdog();
        });
    }

    // ---- on the scheduler thread

    private void load(GetResponse response) {
        values.clear();
        for (KeyValue kv : response.getKvs()) {
            final String name = name(kv);
            if (name != null) {
                values.put(name, kv.getValue().toString(StandardCharsets.UTF_8).trim());
            }
        }
        seenRevision = response.getHeader().getRevision();
        fromEtcd = true;
    }

    /** Reads the whole prefix again and offers the difference; on failure retries after a backoff. */
    private void resync() {
        if (closed) {
            return;
        }
        resyncing = true;
        stopWatch();
        live.count(Metric.ETCD_RESYNCS);
        // A read etcd never answers (it is down and gRPC waits for it) counts as failed after etcd-timeout.
        client.getKVClient().get(prefixKey, GetOption.builder().isPrefix(true).build())
            .orTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .whenComplete((response, error) -> post(() -> {
                if (error != null) {
                    retryLater("reading " + prefix, error, this::resync);
                    return;
                }
                load(response);
                resyncing = false;
                lastHeardNanos = System.nanoTime();
                backoff.reset();
                offer(); // the whole prefix: what changed meanwhile applies, what did not changes nothing
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
        watcher = client.getWatchClient().watch(prefixKey, option, new Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
                post(() -> {
                    if (gen == generation) {
                        onWatch(response);
                    }
                });
            }

            @Override
            public void onError(Throwable error) {
                post(() -> {
                    if (gen == generation) {
                        onWatchError(error);
                    }
                });
            }

            @Override
            public void onCompleted() {
                post(() -> {
                    if (gen == generation) {
                        onWatchError(new IllegalStateException("the watch ended"));
                    }
                });
            }
        });
    }

    private void onWatch(WatchResponse response) {
        lastHeardNanos = System.nanoTime();
        backoff.reset();
        boolean changed = false;
        for (WatchEvent event : response.getEvents()) {
            final KeyValue kv = event.getKeyValue();
            seenRevision = Math.max(seenRevision, kv.getModRevision());
            final String name = name(kv);
            if (name == null) {
                continue;
            }
            if (event.getEventType() == WatchEvent.EventType.DELETE) {
                changed |= values.remove(name) != null;
            } else {
                changed |= !kv.getValue().toString(StandardCharsets.UTF_8).trim().equals(values.put(name,
                    kv.getValue().toString(StandardCharsets.UTF_8).trim()));
            }
        }
        if (response.getEvents().isEmpty()) { // progress or creation: the revision etcd is at, for this watch
            seenRevision = Math.max(seenRevision, response.getHeader().getRevision());
        }
        if (changed) {
            offer();
        }
    }

    private void onWatchError(Throwable error) {
        stopWatch();
        final Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        if (cause instanceof CompactedException c) {
            LOG.warn("etcd compacted its history up to revision {}, past revision {} the watch resumes at: reading {} "
                + "again", c.getCompactedRevision(), seenRevision + 1, prefix);
            resync();
            return;
        }
        retryLater("watching " + prefix, cause, () -> watchFrom(seenRevision + 1));
    }

    private void retryLater(String what, Throwable error, Runnable retry) {
        live.count(Metric.ETCD_RETRIES);
        final long delay = backoff.nextDelay().orElse(Duration.ofSeconds(5)).toMillis();
        LOG.warn("etcd: {} failed ({}); the current config stays in force, retrying in {} ms", what, error, delay);
        if (!closed) {
            thread.schedule(retry, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void scheduleWatchdog() {
        final long period = Math.max(10, watchdog.toMillis() / 4);
        thread.scheduleWithFixedDelay(() -> {
            if (closed || resyncing) {
                return;
            }
            if (System.nanoTime() - lastHeardNanos > watchdog.toNanos()) {
                LOG.warn("etcd: nothing heard on the watch of {} for {} ms: reading it again", prefix,
                    watchdog.toMillis());
                resync();
            } else if (watcher != null) {
                client.getWatchClient().requestProgress();
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** Offers the whole copy of the prefix as the etcd layer. */
    private void offer() {
        final LiveConfig.Outcome outcome = live.update(ConfigSource.ETCD, layer());
        if (outcome.applied()) {
            applied();
        } else {
            lastError = String.join("; ", outcome.reasons());
            writeStatus();
        }
    }

    private void applied() {
        appliedRevision = seenRevision;
        lastError = "";
        writeStatus();
        if (lastGood != null && fromEtcd) {
            try {
                lastGood.write(live.snapshot().layers().getOrDefault(ConfigSource.ETCD, Map.of()), appliedRevision);
            } catch (IOException e) {
                LOG.warn("cannot keep the settings applied from etcd in {}: {}", lastGood.file(), e.toString());
            }
        }
    }

    private synchronized void writeStatus() {
        final String json = "{\"node\":\"" + json(nodeName) + "\",\"applied_revision\":" + appliedRevision
            + ",\"seen_revision\":" + seenRevision + ",\"error\":\"" + json(lastError) + "\",\"updated\":\""
            + java.time.Instant.now() + "\"}";
        // One put at a time: two in flight may land in either order, and an older status must not win.
        statusWrites = statusWrites.handle((r, e) -> null)
            .thenCompose(ignored -> client.getKVClient().put(bytes(prefix + STATUS + nodeName), bytes(json)))
            .whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("etcd: status not written: {}", e.toString());
                }
            });
    }

    private Map<String, List<String>> layer() {
        final Map<String, List<String>> raw = new LinkedHashMap<>();
        values.forEach((name, v) -> raw.put(name, List.of(v)));
        return ConfigFile.splitRepeatable(raw);
    }

    /** The setting a key names, or null for a status key. */
    private String name(KeyValue kv) {
        final String key = kv.getKey().toString(StandardCharsets.UTF_8);
        if (!key.startsWith(prefix)) {
            return null;
        }
        final String name = key.substring(prefix.length());
        return name.startsWith(STATUS) ? null : name;
    }

    private void stopWatch() {
        if (watcher != null) {
            generation++; // whatever the old watch still reports is ignored
            watcher.close();
            watcher = null;
        }
    }

    private void post(Runnable task) {
        if (!closed) {
            try {
                thread.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String json(String s) {
        final StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        closed = true;
        thread.execute(this::stopWatch);
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
