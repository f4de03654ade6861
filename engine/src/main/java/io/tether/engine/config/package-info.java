/**
 * A server's settings: one immutable record, bound from flags, a file or etcd, and changed live.
 *
 * <p><b>Supported API</b>: {@link io.tether.engine.config.TetherConfig} (with the enums its settings take,
 * {@link io.tether.engine.config.Dispatch} and {@link io.tether.engine.config.VirtualCarrier}),
 * {@link io.tether.engine.config.ConfigBinder}, {@link io.tether.engine.config.ConfigException},
 * {@link io.tether.engine.config.LiveConfig}, {@link io.tether.engine.config.ConfigSource} and
 * {@link io.tether.engine.config.ListenAddress}.
 *
 * <p>The rest ({@code ConfigFile}, {@code ConfigFileWatcher}, {@code ConfigReport}, {@code Setting},
 * {@code Values}) is public for tether's own modules (the CLI, the etcd source) and may change in any release.
 */
package io.tether.engine.config;
