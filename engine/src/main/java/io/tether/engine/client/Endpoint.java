package io.tether.engine.client;

import io.tether.engine.config.ListenAddress;
import io.tether.engine.transport.TcpTransport;
import io.tether.engine.transport.Transport;
import io.tether.engine.transport.Transports;
import io.tether.tls.TlsContext;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * One node a client can connect to: its URL as given, its socket address, and the transport stack its scheme takes
 * (a fresh one per connection, TLS with the client's context for tls:// and wss://).
 *
 * @param url        the URL, as given: what logs and {@link TetherClient#endpoint()} show
 * @param address    where to connect; unresolved until {@link #resolved()} looked its host up
 * @param transports a new transport per connection
 */
record Endpoint(String url, InetSocketAddress address, Supplier<Transport> transports) {
    /**
     * Parses and checks {@code url} without looking its host up, so it may run on a loop. A URL that is not one, a
     * scheme a client cannot connect to, or tls:// and wss:// without TLS settings fail with an
     * {@link IllegalArgumentException} that names the URL.
     */
    static Endpoint parse(String url, TlsContext tls) {
        final ListenAddress target = ListenAddress.parse(url);
        try {
            Transports.client(target, tls); // fails now on a bad target rather than on the loop
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "': " + e.getMessage(), e);
        }
        return new Endpoint(url, InetSocketAddress.createUnresolved(target.host(), target.port()),
            () -> Transports.client(target, tls));
    }

    /** A raw TCP endpoint at an address given as such. */
    static Endpoint tcp(InetSocketAddress address) {
        final String host = address.getHostString();
        return new Endpoint("tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort(),
            address, () -> TcpTransport.INSTANCE);
    }

    /** This endpoint with its host looked up, which may block: never on a loop. Still unresolved if that failed. */
    Endpoint resolved() {
        if (!address.isUnresolved()) {
            return this;
        }
        return new Endpoint(url, new InetSocketAddress(address.getHostString(), address.getPort()), transports);
    }

    @Override
    public String toString() {
        return url;
    }
}
