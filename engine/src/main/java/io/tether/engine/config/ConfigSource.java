package io.tether.engine.config;

import java.util.Locale;

/**
 * Where a setting's value comes from, lowest precedence first: a flag beats the config file, which beats etcd, which
 * beats the default. The more local a source, the more deliberate its value: etcd holds what a whole group of
 * servers shares, a node's file is that node's own deviation from it, and a flag is what one run was started with.
 */
public enum ConfigSource {
    DEFAULT, ETCD, FILE, FLAG;

    /** As {@code tether config show} prints it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
