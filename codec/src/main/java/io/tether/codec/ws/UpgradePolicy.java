package io.tether.codec.ws;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the server accepts in an upgrade request.
 *
 * @param paths          request paths served (the query is ignored); empty means any path
 * @param subprotocols   selectable subprotocols, in the server's order of preference; the first one
 *                       the client offers is selected, none selected when the client offers none
 * @param allowedOrigins origins allowed to connect, compared ignoring case; empty allows any. A
 *                       request without {@code Origin} is let through: browsers always send one, so
 *                       its absence means a non-browser client, which the allow-list cannot guard
 */
public record UpgradePolicy(Set<String> paths, List<String> subprotocols, Set<String> allowedOrigins) {
    /** The subprotocol of tether's binary protocol. */
    public static final String TETHER_SUBPROTOCOL = "tether.v1";

    public UpgradePolicy {
        paths = Set.copyOf(paths);
        subprotocols = List.copyOf(subprotocols);
        allowedOrigins = allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        for (final String subprotocol : subprotocols) {
            if (!TokenList.isToken(subprotocol)) {
                throw new IllegalArgumentException("subprotocol is not a token: " + subprotocol);
            }
        }
    }

    /** One path, the tether subprotocol, any origin. */
    public static UpgradePolicy forPath(final String path) {
        return new UpgradePolicy(Set.of(path), List.of(TETHER_SUBPROTOCOL), Set.of());
    }

    public UpgradePolicy withSubprotocols(final String... selectable) {
        return new UpgradePolicy(paths, List.of(selectable), allowedOrigins);
    }

    public UpgradePolicy withAllowedOrigins(final String... origins) {
        return new UpgradePolicy(paths, subprotocols, Set.of(origins));
    }

    boolean acceptsPath(final String path) {
        return paths.isEmpty() || paths.contains(path);
    }

    boolean acceptsOrigin(final String origin) {
        return allowedOrigins.isEmpty() || origin == null || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }
}
