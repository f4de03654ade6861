package io.tether.engine.admission;

/** Why admission control turned a connection (or a Hello) away. */
public enum Refusal {
    BANNED,
    FLAPPING,
    IP_CONNECTIONS,
    PREFIX_CONNECTIONS,
    IP_RATE,
    ACCEPT_RATE,
    MAX_CONNECTIONS,
    LISTENER_CONNECTIONS
}
