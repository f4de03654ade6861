package io.tether.cluster;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * Where a cluster keeps its state in etcd, under {@code /tether-cluster/NAME/}: {@code members/NNNNN}, one key per
 * live node under that node's lease (its number, five digits, as the key; its name and addresses as the value), and
 * {@code moved/SESSION}, one key per session that lives on another node than the one its id names, under the lease of
 * the node that holds it now (the value: that node's number). Nothing else: a session that never moves costs etcd
 * nothing.
 */
final class ClusterKeys {
    private final String root;

    ClusterKeys(String clusterName) {
        this.root = "/tether-cluster/" + clusterName + "/";
    }

    String root() {
        return root;
    }

    String members() {
        return root + "members/";
    }

    String member(int number) {
        return members() + String.format("%05d", number);
    }

    /** The node number a member key names, or -1 when it is not one. */
    int memberNumber(String key) {
        if (!key.startsWith(members())) {
            return -1;
        }
        try {
            final int n = Integer.parseInt(key.substring(members().length()));
            return n >= 1 && n <= 0xFFFF ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    String moves() {
        return root + "moved/";
    }

    String moved(String sessionId) {
        return moves() + sessionId;
    }

    /** The session id a move key names, or null. */
    String movedSession(String key) {
        return key.startsWith(moves()) ? key.substring(moves().length()) : null;
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
