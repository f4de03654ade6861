package io.tether.jmh;

import io.tether.codec.FrameEncoder;
import io.tether.codec.TcpFraming;
import io.tether.engine.TetherServer;
import io.tether.engine.config.ConfigBinder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Heap per idle session, everything counted (the JDK's socket and selection-key objects too): a server in this
 * JVM, N idle sessions from a second JVM (so client objects never count), heap used after a full GC before and
 * after, divided by N.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp jmh/target/benchmarks.jar \
 *     io.tether.jmh.IdleSessionHeap 10000
 * </pre>
 */
public final class IdleSessionHeap {
    private IdleSessionHeap() {
    }

    public static void main(String[] args) throws Exception {
        final int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("tcp://127.0.0.1:0"), "stats-interval", List.of("0")))).start();
        final InetSocketAddress address = server.boundAddresses().get(0);
        final long before = settledHeap();
        final Process clients = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", IdleClients.class.getName(),
            address.getHostString(), Integer.toString(address.getPort()), Integer.toString(sessions))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final long deadline = System.nanoTime() + 120_000_000_000L;
        while (server.sessionCount() < sessions) {
            if (System.nanoTime() > deadline || !clients.isAlive()) {
                throw new IllegalStateException("only " + server.sessionCount() + " sessions arrived");
            }
            Thread.sleep(50); // a benchmark harness waiting on another process, not a test
        }
        final long after = settledHeap();
        System.out.printf("idle sessions: %d%nheap before: %,d B%nheap after:  %,d B%nper session: %.0f B%n",
            sessions, before, after, (after - before) / (double) sessions);
        clients.getOutputStream().close();
        clients.waitFor();
        server.close();
    }

    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The client side: N blocking sockets that say Hello, read the Welcome and stay idle until stdin closes. */
    public static final class IdleClients {
        private IdleClients() {
        }

        public static void main(String[] args) throws IOException {
            final InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
            final int n = Integer.parseInt(args[2]);
            final byte[] hello = helloFrame();
            final List<SocketChannel> channels = new ArrayList<>(n);
            final ByteBuffer in = ByteBuffer.allocate(256);
            for (int i = 0; i < n; i++) {
                final SocketChannel ch = SocketChannel.open(target);
                ch.write(ByteBuffer.wrap(hello));
                in.clear();
                ch.read(in); // the Welcome (small; one read on loopback)
                channels.add(ch);
            }
            System.in.read(); // hold until the harness closes our stdin
            for (SocketChannel ch : channels) {
                ch.close();
            }
        }

        private static byte[] helloFrame() {
            final int body = FrameEncoder.helloLength("idle", new byte[0], 0, Map.of());
            final byte[] out = new byte[TcpFraming.headerLengthFor(body) + body];
            final UnsafeBuffer b = new UnsafeBuffer(out);
            final int h = TcpFraming.putHeader(b, 0, body);
            FrameEncoder.putHello(b, h, "idle", new byte[0], 0, Map.of());
            return out;
        }
    }
}
