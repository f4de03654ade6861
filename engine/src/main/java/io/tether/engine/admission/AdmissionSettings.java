package io.tether.engine.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The admission settings, as {@code TetherConfig} holds them (the names in messages are the settings' kebab-case
 * names). A count or rate of 0 turns its check off. {@link #problems()} is part of the config's validation.
 */
public record AdmissionSettings(
    boolean dryRun,
    List<String> exempt,
    List<String> bannedAddresses,
    List<String> bannedClients,
    int maxConnections,
    int maxListenerConnections,
    int acceptRate,
    int acceptBurst,
    AcceptOverflow acceptOverflow,
    int acceptQueue,
    Duration acceptQueueWait,
    int maxIpConnections,
    int maxPrefixConnections,
    int ipv4Prefix,
    int ipv6Prefix,
    int ipConnectRate,
    int ipConnectBurst,
    int ipFlapThreshold,
    int clientFlapThreshold,
    Duration flapWindow,
    Duration flapBan,
    int admissionTableSize,
    double breakerFailureRatio,
    Duration breakerWindow,
    int breakerMinHandshakes,
    Duration breakerOpenTime,
    int breakerProbes,
    Duration breakerProbeTimeout,
    Duration shedLoopLag,
    double shedHeapRatio,
    Duration overloadRetryAfter,
    int sessionRequestRate,
    int sessionRequestBurst,
    int sessionRequestOverrun) {

    public AdmissionSettings {
        exempt = List.copyOf(exempt);
        bannedAddresses = List.copyOf(bannedAddresses);
        bannedClients = List.copyOf(bannedClients);
    }

    /** Everything wrong, each naming its setting; empty when valid. */
    public List<String> problems() {
        final List<String> problems = new ArrayList<>();
        blocks(problems, "admission-exempt", exempt);
        blocks(problems, "banned-addresses", bannedAddresses);
        notNegative(problems, "max-connections", maxConnections);
        notNegative(problems, "max-listener-connections", maxListenerConnections);
        rate(problems, "accept-rate", acceptRate, "accept-burst", acceptBurst);
        if (acceptOverflow == AcceptOverflow.QUEUE) {
            if (acceptQueue < 1 || acceptQueue > 65_536) {
                problems.add("accept-queue: must be 1 to 65536 with accept-overflow queue, got " + acceptQueue);
            }
            if (acceptQueueWait.isNegative() || acceptQueueWait.isZero()) {
                problems.add("accept-queue-wait: must be positive with accept-overflow queue");
            }
        }
        notNegative(problems, "max-ip-connections", maxIpConnections);
        notNegative(problems, "max-prefix-connections", maxPrefixConnections);
        if (maxIpConnections > 0 && maxPrefixConnections > 0 && maxPrefixConnections < maxIpConnections) {
            problems.add("max-prefix-connections (" + maxPrefixConnections + ") must not be below max-ip-connections ("
                + maxIpConnections + "): a prefix holds the address");
        }
        if (ipv4Prefix < 8 || ipv4Prefix > 32) {
            problems.add("ipv4-prefix: must be 8 to 32, got " + ipv4Prefix);
        }
        if (ipv6Prefix < 16 || ipv6Prefix > 128) {
            problems.add("ipv6-prefix: must be 16 to 128, got " + ipv6Prefix);
        }
        rate(problems, "ip-connect-rate", ipConnectRate, "ip-connect-burst", ipConnectBurst);
        notNegative(problems, "ip-flap-threshold", ipFlapThreshold);
        notNegative(problems, "client-flap-threshold", clientFlapThreshold);
        positive(problems, "flap-window", flapWindow);
        positive(problems, "flap-ban", flapBan);
        if (admissionTableSize < 16) {
            problems.add("admission-table-size: must be at least 16, got " + admissionTableSize);
        }
        if (!(breakerFailureRatio >= 0 && breakerFailureRatio <= 1)) {
            problems.add("breaker-failure-ratio: must be 0 (off) to 1, got " + breakerFailureRatio);
        }
        positive(problems, "breaker-window", breakerWindow);
        if (breakerMinHandshakes < 1) {
            problems.add("breaker-min-handshakes: must be at least 1, got " + breakerMinHandshakes);
        }
        positive(problems, "breaker-open-time", breakerOpenTime);
        if (breakerProbes < 1 || breakerProbes > 1000) {
            problems.add("breaker-probes: must be 1 to 1000 (half-open lets that many through), got "
                + breakerProbes);
        }
        positive(problems, "breaker-probe-timeout", breakerProbeTimeout);
        if (shedLoopLag.isNegative()) {
            problems.add("shed-loop-lag: must not be negative (0 turns it off), got " + shedLoopLag);
        }
        if (!(shedHeapRatio >= 0 && shedHeapRatio < 1)) {
            problems.add("shed-heap-ratio: must be 0 (off) up to, not including, 1, got " + shedHeapRatio);
        }
        if (overloadRetryAfter.isNegative()) {
            problems.add("overload-retry-after: must not be negative, got " + overloadRetryAfter);
        }
        rate(problems, "session-request-rate", sessionRequestRate, "session-request-burst", sessionRequestBurst);
        if (sessionRequestRate > 0 && sessionRequestOverrun < 1) {
            problems.add("session-request-overrun: must be at least 1 with a session-request-rate, got "
                + sessionRequestOverrun);
        }
        return problems;
    }

    private static void rate(List<String> problems, String rateName, int rate, String burstName, int burst) {
        if (rate < 0) {
            problems.add(rateName + ": must not be negative (0 turns it off), got " + rate);
        } else if (rate > 0 && burst < rate) {
            // A burst below the rate would make the burst, not the rate, the limit of every second.
            problems.add(burstName + " (" + burst + ") must not be below " + rateName + " (" + rate + ")");
        }
    }

    private static void positive(List<String> problems, String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(name + ": must be positive, got " + value);
        }
    }

    private static void notNegative(List<String> problems, String name, int value) {
        if (value < 0) {
            problems.add(name + ": must not be negative (0 turns it off), got " + value);
        }
    }

    private static void blocks(List<String> problems, String name, List<String> blocks) {
        try {
            AddressBlocks.parse(blocks);
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + e.getMessage());
        }
    }
}
