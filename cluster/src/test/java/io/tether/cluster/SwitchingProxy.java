package io.tether.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a loopback port that sends each new connection to its current target, like a load balancer; the
 * test switches the target and cuts the open connections, so a client's next connection lands on another node.
 */
final class SwitchingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile InetSocketAddress target;

    SwitchingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    String url() {
        return "tcp://127.0.0.1:" + listener.getLocalPort();
    }

    /** New connections go to {@code next}; the open ones are cut (reset). */
    void switchTo(InetSocketAddress next) {
        target = next;
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // gone already
            }
        }
        open.clear();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                final Socket client = listener.accept();
                final Socket server = new Socket(target.getAddress(), target.getPort());
                open.add(client);
                open.add(server);
                Thread.ofVirtual().start(() -> pipe(client, server));
                Thread.ofVirtual().start(() -> pipe(server, client));
            } catch (IOException e) {
                // listener closed, or the target refused: the client sees its connection end
            }
        }
    }

    private static void pipe(Socket from, Socket to) {
        final byte[] buffer = new byte[16 << 10];
        try {
            int n;
            while ((n = from.getInputStream().read(buffer)) >= 0) {
                to.getOutputStream().write(buffer, 0, n);
            }
        } catch (IOException e) {
            // cut
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException e) {
                // closed already
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        switchTo(target);
    }
}
