package io.tether.engine.config;

import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Metric;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config in force, made of layers (flags, the config file, etcd), and the one place a change is decided. A
 * source replaces its whole layer ({@link #update}); the layers are merged by {@link ConfigSource} precedence into a
 * whole candidate, which is bound and validated as a whole ({@link TetherConfig#problems()}), then checked against
 * the running config: a setting that is not {@link Setting#live() live} may not change ("needs a restart"), and
 * every {@link Check} that a subsystem registered must pass. Only then is the candidate swapped in, atomically, and
 * the {@link Listener}s told; otherwise the change is refused with every reason, the old config stays in force, and
 * the refusal is logged and counted.
 *
 * <p>Updates are serialised by a lock and listeners are called under it, in order; a listener must be quick and must
 * not block (hand work to its own thread). Reads ({@link #current()}) are a volatile read.
 */
public final class LiveConfig {
    private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);

    /** A subsystem's semantic check of a candidate against the running config: every problem, each naming its setting. */
    @FunctionalInterface
    public interface Check {
        /** Every problem with changing {@code running} to {@code candidate}; empty when it may go ahead. */
        List<String> problems(TetherConfig running, TetherConfig candidate);
    }

    /** Hears of changes put in force and refused. */
    public interface Listener {
        /** {@code current} is in force now, instead of {@code previous}. */
        void onApplied(TetherConfig previous, TetherConfig current);

        /** A change from {@code source} was refused for {@code reasons}; the config in force stays. */
        default void onRefused(ConfigSource source, List<String> reasons) {
        }
    }

    /** What became of a change: applied (with the settings whose values changed) or refused (with every reason). */
    public record Outcome(boolean applied, List<String> changed, List<String> reasons) {
        static Outcome applied(List<String> changed) {
            return new Outcome(true, List.copyOf(changed), List.of());
        }

        static Outcome refused(List<String> reasons) {
            return new Outcome(false, List.of(), List.copyOf(reasons));
        }
    }

    /** The config in force, each setting's source, and the layers it was made of. */
    public record Snapshot(TetherConfig config, Map<String, ConfigSource> sources,
                           Map<ConfigSource, Map<String, List<String>>> layers, long version) {
        /** Where a setting's value came from ({@link ConfigSource#DEFAULT} when no layer sets it). */
        public ConfigSource sourceOf(String name) {
            return sources.getOrDefault(name, ConfigSource.DEFAULT);
        }
    }

    private static final Metric[] COUNTED = {Metric.CONFIG_APPLIED, Metric.CONFIG_REFUSED, Metric.ETCD_RETRIES,
        Metric.ETCD_RESYNCS};

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Check> checks = new CopyOnWriteArrayList<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Counts made before {@link #countInto} (the server's counters exist only once it starts), then handed over. */
    private final AtomicLongArray early = new AtomicLongArray(COUNTED.length);
    private volatile CounterSet counters;
    private volatile Snapshot current;

    private LiveConfig(Snapshot initial) {
        this.current = initial;
    }

    /**
     * The first config, from the layers a server starts with. Nothing is running yet, so settings that need a
     * restart may take any value; the candidate is validated as every later one is.
     *
     * @throws ConfigException with every problem
     */
    public static LiveConfig start(Map<ConfigSource, Map<String, List<String>>> layers) {
        final Map<ConfigSource, Map<String, List<String>>> copy = copyLayers(layers);
        final List<String> problems = new ArrayList<>();
        copy.forEach((source, layer) -> problems.addAll(SourceRules.problems(source, layer)));
        final Merged merged = merge(copy);
        TetherConfig config = null;
        try {
            config = ConfigBinder.bind(merged.values());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LiveConfig(new Snapshot(config, merged.sources(), copy, 1));
    }

    /** A config that only changes through {@link #update} (for embedders and tests): {@code config} as flags. */
    public static LiveConfig of(Map<String, List<String>> flags) {
        return start(Map.of(ConfigSource.FLAG, flags));
    }

    /** The config in force. */
    public TetherConfig current() {
        return current.config();
    }

    /** The config in force with each setting's source and the layers it was made of. */
    public Snapshot snapshot() {
        return current;
    }

    /** Adds a semantic check every later candidate must pass. */
    public void addCheck(Check check) {
        checks.add(check);
    }

    /** @return a handle that stops the notifications */
    public Runnable subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Counts into the server's counters from now on, with what was counted before. */
    public void countInto(CounterSet set) {
        lock.lock();
        try {
            for (int i = 0; i < COUNTED.length; i++) {
                set.addShared(COUNTED[i], early.getAndSet(i, 0));
            }
            counters = set;
        } finally {
            lock.unlock();
        }
    }

    /** Counts one event of a config source (an etcd retry, a resync). */
    public void count(Metric metric) {
        final CounterSet set = counters;
        if (set != null) {
            set.addShared(metric, 1);
            return;
        }
        for (int i = 0; i < COUNTED.length; i++) {
            if (COUNTED[i] == metric) {
                early.incrementAndGet(i);
                return;
            }
        }
        throw new IllegalArgumentException(metric + " is not a config metric");
    }

    /** How many of a config metric's events were counted (changes applied and refused, etcd retries, resyncs). */
    public long counted(Metric metric) {
        for (int i = 0; i < COUNTED.length; i++) {
            if (COUNTED[i] == metric) {
                final CounterSet set = counters;
                return early.get(i) + (set == null ? 0 : set.get(metric));
            }
        }
        throw new IllegalArgumentException(metric + " is not a config metric");
    }

    /** Replaces {@code source}'s whole layer, if the candidate it makes is valid; see the class comment. */
    public Outcome update(ConfigSource source, Map<String, List<String>> layer) {
        if (source == ConfigSource.DEFAULT) {
            throw new IllegalArgumentException("the defaults do not change");
        }
        lock.lock();
        try {
            final Snapshot old = current;
            final Map<ConfigSource, Map<String, List<String>>> layers = copyLayers(old.layers());
            layers.put(source, Map.copyOf(layer));
            final List<String> reasons = new ArrayList<>(SourceRules.problems(source, layer));
            final Merged merged = merge(layers);
            TetherConfig candidate = null;
            try {
                candidate = ConfigBinder.bind(merged.values());
            } catch (ConfigException e) {
                reasons.addAll(e.problems());
            }
            // Each setting is formatted once per side (reflection and formatting): what changed decides both
            // which settings need a restart and what the listeners are told.
            final List<String> changed = candidate == null ? List.of() : changes(old.config(), candidate);
            if (candidate != null) {
                reasons.addAll(needRestart(old.config(), candidate, changed));
                for (Check check : checks) {
                    try {
                        reasons.addAll(check.problems(old.config(), candidate));
                    } catch (RuntimeException e) {
                        reasons.add("a config check failed: " + e);
                    }
                }
            }
            if (!reasons.isEmpty()) {
                return refuseLocked(source, reasons);
            }
            current = new Snapshot(candidate, merged.sources(), layers, old.version() + 1);
            if (changed.isEmpty()) {
                return Outcome.applied(changed); // the layer changed, the config in force did not (shadowed values)
            }
            count(Metric.CONFIG_APPLIED);
            LOG.info("config from {} in force: {}", source.label(), String.join(", ", describe(old.config(),
                candidate, changed)));
            for (Listener l : listeners) {
                l.onApplied(old.config(), candidate);
            }
            return Outcome.applied(changed);
        } finally {
            lock.unlock();
        }
    }

    /** Refuses a change a source could not even read (a file that does not parse): logged and counted. */
    public Outcome refuse(ConfigSource source, List<String> reasons) {
        lock.lock();
        try {
            return refuseLocked(source, reasons);
        } finally {
            lock.unlock();
        }
    }

    private Outcome refuseLocked(ConfigSource source, List<String> reasons) {
        count(Metric.CONFIG_REFUSED);
        LOG.warn("config change from {} refused, the previous config stays in force: {}", source.label(),
            String.join("; ", reasons));
        for (Listener l : listeners) {
            l.onRefused(source, reasons);
        }
        return Outcome.refused(reasons);
    }

    /** A setting that is not live may not change on a running server; {@code changed}: the settings that differ. */
    private static List<String> needRestart(TetherConfig running, TetherConfig candidate, List<String> changed) {
        final List<String> problems = new ArrayList<>();
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            if (s.setting().live() || !changed.contains(s.name())) {
                continue;
            }
            final List<String> was = ConfigBinder.format(s, running);
            final List<String> asked = ConfigBinder.format(s, candidate);
            if (!was.equals(asked)) {
                problems.add(s.name() + ": needs a restart (running with " + shown(s, was) + ", asked for "
                    + shown(s, asked) + ")");
            }
        }
        return problems;
    }

    /** The names of the settings whose values differ. */
    public static List<String> changes(TetherConfig a, TetherConfig b) {
        final List<String> changed = new ArrayList<>();
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            if (!ConfigBinder.format(s, a).equals(ConfigBinder.format(s, b))) {
                changed.add(s.name());
            }
        }
        return changed;
    }

    private static List<String> describe(TetherConfig a, TetherConfig b, List<String> changed) {
        final List<String> out = new ArrayList<>();
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            if (changed.contains(s.name())) {
                out.add(s.name() + " " + shown(s, ConfigBinder.format(s, a)) + " -> "
                    + shown(s, ConfigBinder.format(s, b)));
            }
        }
        return out;
    }

    /** A value as logs and {@code config show} print it; secrets are not printed. */
    public static String shown(ConfigBinder.SettingInfo s, List<String> value) {
        if (s.name().equals("admin-token") && !value.isEmpty() && !value.get(0).isEmpty()) {
            return "(set)";
        }
        return value.isEmpty() ? "(none)" : value.size() == 1 ? (value.get(0).isEmpty() ? "(none)" : value.get(0))
            : String.join(",", value);
    }

    private record Merged(Map<String, List<String>> values, Map<String, ConfigSource> sources) {
    }

    /** Each setting from the highest source that has it; a repeatable one takes that source's whole list. */
    private static Merged merge(Map<ConfigSource, Map<String, List<String>>> layers) {
        final Map<String, List<String>> values = new TreeMap<>();
        final Map<String, ConfigSource> sources = new TreeMap<>();
        for (ConfigSource source : ConfigSource.values()) { // lowest first, so a higher one overwrites
            final Map<String, List<String>> layer = layers.get(source);
            if (layer == null) {
                continue;
            }
            layer.forEach((name, v) -> {
                values.put(name, v);
                sources.put(name, source);
            });
        }
        return new Merged(values, sources);
    }

    private static Map<ConfigSource, Map<String, List<String>>> copyLayers(
        Map<ConfigSource, Map<String, List<String>>> layers) {
        final Map<ConfigSource, Map<String, List<String>>> copy = new EnumMap<>(ConfigSource.class);
        layers.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
        return copy;
    }
}
