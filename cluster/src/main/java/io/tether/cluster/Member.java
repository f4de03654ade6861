package io.tether.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A live node of the cluster as its membership key says: its number (the top 16 bits of its sessions' ids), its
 * name, where other nodes reach it ({@code link}), where clients are sent to reach it ({@code client}, "" until its
 * listeners are bound), and, refreshed every few seconds while they change, its session count and the nodes it has
 * links open to (for {@code tether cluster status}). The key's value is lines of {@code field=value}.
 */
record Member(int number, String name, String link, String client, int sessions, String links) {
    Member(int number, String name, String link, String client) {
        this(number, name, link, client, 0, "");
    }

    Member withClient(String url) {
        return new Member(number, name, link, url, sessions, links);
    }

    Member withNumber(int n) {
        return new Member(n, name, link, client, sessions, links);
    }

    Member withLoad(int sessionCount, String openLinks) {
        return new Member(number, name, link, client, sessionCount, openLinks);
    }

    String encode() {
        return "name=" + name + "\nlink=" + link + "\nclient=" + client + "\nsessions=" + sessions + "\nlinks="
            + links + "\n";
    }

    /** @throws IllegalArgumentException when the value is not a member's */
    static Member decode(int number, String value) {
        final Map<String, String> fields = new LinkedHashMap<>();
        for (String line : value.split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        final String link = fields.get("link");
        if (link == null || link.isEmpty()) {
            throw new IllegalArgumentException("member " + number + " has no link address");
        }
        int sessions = 0;
        try {
            sessions = Integer.parseInt(fields.getOrDefault("sessions", "0"));
        } catch (NumberFormatException e) {
            // an older or foreign value: shown as 0
        }
        return new Member(number, fields.getOrDefault("name", ""), link, fields.getOrDefault("client", ""), sessions,
            fields.getOrDefault("links", ""));
    }
}
