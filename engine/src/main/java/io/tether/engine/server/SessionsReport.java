package io.tether.engine.server;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * {@code /sessions}: how many sessions there are, and the top K by outbox bytes and by age, never a list of all
 * of them. One pass over the registry off the loops, keeping two heaps of K; each session's outbox size is read
 * under its monitor, which every holder keeps only for copying bytes.
 */
final class SessionsReport {
    static final int DEFAULT_TOP = 10;
    static final int MAX_TOP = 100;

    private SessionsReport() {
    }

    private record Row(String id, String clientId, Session.State state, long outboxBytes, long ageNanos) {
        long ageMs() {
            return ageNanos / 1_000_000;
        }
    }

    static String json(TetherServer server, String rawQuery) {
        final int top = top(rawQuery);
        final long now = System.nanoTime();
        final Comparator<Row> byOutbox = Comparator.comparingLong(Row::outboxBytes);
        final Comparator<Row> byAge = Comparator.comparingLong(Row::ageNanos);
        final PriorityQueue<Row> largest = new PriorityQueue<>(top + 1, byOutbox);
        final PriorityQueue<Row> oldest = new PriorityQueue<>(top + 1, byAge);
        final long[] states = new long[2];
        server.directory().registry().forEach(s -> {
            final Session.State state = s.state();
            if (state == Session.State.ENDED) {
                return;
            }
            states[state == Session.State.ATTACHED ? 0 : 1]++;
            final Row row = new Row(s.id(), s.clientId(), state, s.outboxBytes(), now - s.openedNanos());
            keep(largest, row, top);
            keep(oldest, row, top);
        });
        final StringBuilder sb = new StringBuilder(256 + top * 200);
        sb.append("{\"count\":").append(server.sessionCount()).append(",\"attached\":").append(states[0])
            .append(",\"detached\":").append(states[1]).append(",\"top\":").append(top)
            .append(",\"largestOutbox\":");
        rows(sb, sorted(largest, byOutbox));
        sb.append(",\"oldest\":");
        rows(sb, sorted(oldest, byAge));
        return sb.append("}\n").toString();
    }

    private static void keep(PriorityQueue<Row> heap, Row row, int top) {
        heap.offer(row);
        if (heap.size() > top) {
            heap.poll(); // the smallest goes
        }
    }

    private static List<Row> sorted(PriorityQueue<Row> heap, Comparator<Row> order) {
        final List<Row> rows = new ArrayList<>(heap);
        rows.sort(order.reversed());
        return rows;
    }

    private static void rows(StringBuilder sb, List<Row> rows) {
        sb.append('[');
        for (int i = 0; i < rows.size(); i++) {
            final Row r = rows.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"id\":\"").append(r.id()).append("\",\"clientId\":");
            string(sb, r.clientId());
            sb.append(",\"state\":\"").append(r.state().name().toLowerCase(java.util.Locale.ROOT))
                .append("\",\"outboxBytes\":").append(r.outboxBytes()).append(",\"ageMs\":").append(r.ageMs())
                .append('}');
        }
        sb.append(']');
    }

    /** A JSON string: the client id is the client's own text. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    /** {@code ?top=K}, 1 to 100. */
    static int top(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return DEFAULT_TOP;
        }
        for (String pair : rawQuery.split("&")) {
            final int eq = pair.indexOf('=');
            final String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals("top")) {
                final String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                final int k;
                try {
                    k = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("top must be a number from 1 to " + MAX_TOP);
                }
                if (k < 1 || k > MAX_TOP) {
                    throw new IllegalArgumentException("top must be from 1 to " + MAX_TOP + ", got " + k);
                }
                return k;
            }
        }
        return DEFAULT_TOP;
    }
}
