package io.tether.jmh;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link NettyLoadClient} runs, parsed from its command line. Options take their value as the next argument
 * or after {@code =}; the last occurrence of an option wins. Every bad argument is an
 * {@link IllegalArgumentException} whose message names the option.
 *
 * @param target       tcp://HOST:PORT or ws://HOST:PORT/PATH
 * @param sessions     connections, each one tether session
 * @param pipeline     closed loop: requests in flight per session (unused in open loop)
 * @param payloadBytes request payload size; the first 8 bytes carry the request id
 * @param rate         open loop: requests per second over all sessions; 0 is closed loop
 * @param duration     the measured time
 * @param warmup       the unmeasured time before it
 * @param threads      Netty event loops
 * @param method       the method every request calls
 */
record NettyLoadOptions(URI target, int sessions, int pipeline, int payloadBytes, long rate, Duration duration,
                        Duration warmup, int threads, String method) {
    /** Tether's default maximum frame size: a payload must leave room for the rest of the frame. */
    static final int MAX_FRAME_BYTES = 1 << 20;
    static final String USAGE = "usage: java -cp jmh/target/benchmarks.jar io.tether.jmh.NettyLoadClient"
        + " [--sessions N] [--pipeline N] [--payload BYTES] [--rate REQ_PER_S] [--duration 10s] [--warmup 3s]"
        + " [--threads N] [--method echo] tcp://HOST:PORT|ws://HOST:PORT/PATH";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([km]?)(i?b)?");

    NettyLoadOptions {
        if (sessions < 1) {
            throw new IllegalArgumentException("--sessions must be at least 1, not " + sessions);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be 0 (closed loop) or more, not " + rate);
        }
        if (pipeline < 1 && rate == 0) {
            throw new IllegalArgumentException("--pipeline must be at least 1 in closed loop, not " + pipeline);
        }
        if (payloadBytes < 8 || payloadBytes > MAX_FRAME_BYTES - 1024) {
            throw new IllegalArgumentException("--payload must be from 8 bytes (the request id is embedded) to "
                + (MAX_FRAME_BYTES - 1024) + ", not " + payloadBytes);
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("--duration must be more than 0");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        if (method.isEmpty()) {
            throw new IllegalArgumentException("--method must not be empty");
        }
    }

    boolean webSocket() {
        return target.getScheme().equals("ws");
    }

    boolean openLoop() {
        return rate > 0;
    }

    String host() {
        return target.getHost();
    }

    int port() {
        return target.getPort() > 0 ? target.getPort() : 80; // only ws may leave it out
    }

    static NettyLoadOptions parse(String... args) {
        String target = null;
        int sessions = 100;
        int pipeline = 16;
        int payload = 64;
        long rate = 0;
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(3);
        int threads = 2;
        String method = "echo";
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            if (!arg.startsWith("--")) {
                if (target != null) {
                    throw new IllegalArgumentException("unexpected argument '" + arg + "': the target is "
                        + target);
                }
                target = arg;
                continue;
            }
            final int eq = arg.indexOf('=');
            final String name = eq > 0 ? arg.substring(0, eq) : arg;
            final String value;
            if (eq > 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            switch (name) {
                case "--sessions" -> sessions = whole(name, value);
                case "--pipeline" -> pipeline = whole(name, value);
                case "--payload" -> payload = size(name, value);
                case "--rate" -> rate = wholeLong(name, value);
                case "--duration" -> duration = duration(name, value);
                case "--warmup" -> warmup = duration(name, value);
                case "--threads", "--io-threads" -> threads = whole(name, value);
                case "--method" -> method = value;
                case "--target" -> target = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("no target given (tcp://HOST:PORT or ws://HOST:PORT/PATH)");
        }
        return new NettyLoadOptions(target(target), sessions, pipeline, payload, rate, duration, warmup, threads,
            method);
    }

    private static URI target(String text) {
        final URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("target '" + text + "' is not a URL: " + e.getReason());
        }
        final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("tcp") && !scheme.equals("ws")) {
            throw new IllegalArgumentException("target '" + text + "': only tcp://HOST:PORT and ws://HOST:PORT/PATH "
                + "are supported (no TLS)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("target '" + text + "' has no host");
        }
        if (scheme.equals("tcp") && uri.getPort() < 1) {
            throw new IllegalArgumentException("target '" + text + "' has no port");
        }
        final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        try {
            return new URI(scheme, null, uri.getHost(), uri.getPort(), scheme.equals("ws") ? path : null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("target '" + text + "': " + e.getReason());
        }
    }

    private static int whole(String name, String value) {
        final long v = wholeLong(name, value);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + value + " is too large");
        }
        return (int) v;
    }

    private static long wholeLong(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a whole number");
        }
    }

    /** 64, 4k, 1m (binary multiples; a trailing b or ib is allowed). */
    private static int size(String name, String value) {
        final Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a size (64, 4k, 1m)");
        }
        final int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            default -> 0;
        };
        try {
            return Math.toIntExact(Long.parseLong(m.group(1)) << shift);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + value + " is too large");
        }
    }

    /** 500ms, 10s, 1.5s, 2m; a bare number is seconds. */
    private static Duration duration(String name, String value) {
        final Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a duration (500ms, 10s, 2m)");
        }
        final double n = Double.parseDouble(m.group(1));
        final double nanosPerUnit = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1e6;
            case "m" -> 60e9;
            default -> 1e9;
        };
        return Duration.ofNanos(Math.round(n * nanosPerUnit));
    }
}
