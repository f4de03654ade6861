package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.engine.HandWire.Fields;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code openssl s_client} against a {@code tls://} listener. Its stdin and stdout carry tether frames as raw
 * bytes ({@code -ign_eof} keeps the connection after stdin ends), and {@code -brief} puts the handshake summary
 * ("Protocol version: TLSv1.3") and any alert on stderr, apart from the frames. Every wait has a deadline, and a
 * missing openssl fails the test.
 */
final class TlsOpenSslPeer implements AutoCloseable {
    static final Path OPENSSL = Path.of("/usr/bin/openssl");
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] END_OF_STREAM = new byte[0];
    private static final String SESSION_ID = "[A-Za-z0-9_-]{22}";

    private final Process process;
    private final Path stderr;
    private final OutputStream stdin;
    private final BlockingQueue<byte[]> stdout = new LinkedBlockingQueue<>();
    private byte[] chunk = new byte[0];
    private int chunkAt;
    private boolean ended;

    private TlsOpenSslPeer(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdin = process.getOutputStream();
        Thread.ofVirtual().name("openssl-stdout").start(this::pumpStdout);
    }

    /**
     * Starts {@code s_client} against the server, verifying its certificate with {@code caFile} and its address.
     *
     * @param options more s_client options: {@code -tls1_3}, {@code -cert FILE -key FILE} and so on.
     */
    static TlsOpenSslPeer connect(InetSocketAddress server, Path caFile, String... options) {
        if (!Files.isExecutable(OPENSSL)) {
            throw new AssertionError(OPENSSL + " is required by this test; scripts/setup-peers installs it");
        }
        final List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "s_client",
            "-connect", "127.0.0.1:" + server.getPort(), "-brief", "-ign_eof",
            "-CAfile", caFile.toString(), "-verify_return_error", "-verify_ip", "127.0.0.1"));
        command.addAll(List.of(options));
        try {
            final Path stderr = Files.createTempFile("tether-openssl-", ".stderr");
            final Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            return new TlsOpenSslPeer(process, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * Hello and Welcome, an echo, and Goodbye both ways, after which the server closes the connection and s_client
     * ends without an error.
     */
    void assertServed() throws IOException, InterruptedException {
        sendFrame(HandWire.hello("openssl"));
        final Fields welcome = read(HandWire.WELCOME);
        assertThat(welcome.string(1)).as("session id").matches(SESSION_ID);
        assertThat(welcome.bytes(2)).as("resume token").isNotEmpty();
        assertThat(welcome.varint(3)).as("resumed").isZero();

        sendFrame(HandWire.request(1, "echo", HandWire.utf8("through openssl")));
        final Fields response = read(HandWire.RESPONSE);
        assertThat(response.varint(1)).as("response id").isEqualTo(1);
        assertThat(response.varint(2)).as("response status").isZero();
        assertThat(response.string(3)).as("echoed payload").isEqualTo("through openssl");

        sendFrame(HandWire.frame(HandWire.GOODBYE,
            new HandWire.Writer().varint(1, GoodbyeCode.NORMAL).string(2, "done")));
        assertThat(read(HandWire.GOODBYE).varint(1)).as("goodbye code").isEqualTo(GoodbyeCode.NORMAL);
        assertThat(readToEnd()).as("bytes after the Goodbye").isEmpty();
        assertThat(awaitExit()).as("s_client's exit code, stderr:\n%s", errorOutput()).isZero();
    }

    /** s_client ends with an error naming the alert (such as "alert number 116"), and no frame ever reached it. */
    void assertRefused(String alert) throws InterruptedException {
        assertThat(readToEnd()).as("bytes s_client received").isEmpty();
        assertThat(awaitExit()).as("s_client's exit code, stderr:\n%s", errorOutput()).isNotZero();
        assertThat(errorOutput()).contains(alert);
    }

    /**
     * Whether the server authenticated itself with a signature: in a full handshake s_client -brief prints the
     * server's "Signature type"; a session resumed from a ticket (PSK) has no CertificateVerify, so no such line.
     */
    boolean serverSigned() {
        return errorOutput().contains("Signature type:");
    }

    /** Writes a frame, with its varint32 length in front, to s_client's stdin: it goes out as TLS records. */
    void sendFrame(byte[] frame) throws IOException {
        stdin.write(HandWire.delimited(frame));
        stdin.flush();
    }

    /** Reads one frame from s_client's stdout and returns the message its oneof holds, which must be of kind. */
    Fields read(int kind) {
        final Fields frame = Fields.parse(readFrameBytes());
        if (frame.kind() != kind) {
            throw new AssertionError("expected frame kind " + kind + ", got " + frame + describe());
        }
        return frame.message(kind);
    }

    private byte[] readFrameBytes() {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            final int b = readByte(deadline);
            if (b < 0) {
                throw new AssertionError("s_client's output ended where a frame should start" + describe());
            }
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            if (shift >= 28) {
                throw new AssertionError("frame length longer than a varint32" + describe());
            }
        }
        final byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) {
            final int b = readByte(deadline);
            if (b < 0) {
                throw new AssertionError("s_client's output ended after " + i + " of " + length + " bytes"
                    + describe());
            }
            frame[i] = (byte) b;
        }
        return frame;
    }

    /** Every byte s_client writes to stdout from now until it exits. */
    byte[] readToEnd() {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        final ByteArrayOutputStream rest = new ByteArrayOutputStream();
        for (int b = readByte(deadline); b >= 0; b = readByte(deadline)) {
            rest.write(b);
        }
        return rest.toByteArray();
    }

    /** Waits for s_client to end by itself (the connection closed) and returns its exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("s_client still runs after " + TIMEOUT + describe());
        }
        return process.exitValue();
    }

    /** What s_client printed on stderr so far: the handshake summary, verification results and alerts. */
    String errorOutput() {
        try {
            return Files.readString(stderr, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(stderr);
    }

    private int readByte(long deadline) {
        while (chunkAt == chunk.length) {
            if (ended) {
                return -1;
            }
            final byte[] next;
            try {
                next = stdout.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while reading s_client's output");
            }
            if (next == null) {
                throw new AssertionError("s_client wrote nothing more within " + TIMEOUT + describe());
            }
            if (next == END_OF_STREAM) {
                ended = true;
            }
            chunk = next;
            chunkAt = 0;
        }
        return chunk[chunkAt++] & 0xFF;
    }

    private void pumpStdout() {
        final byte[] buffer = new byte[16 * 1024];
        try (InputStream in = process.getInputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                stdout.add(Arrays.copyOf(buffer, n));
            }
        } catch (IOException e) {
            // the process went away: the end marker below says so
        }
        stdout.add(END_OF_STREAM);
    }

    private String describe() {
        return "; s_client's stderr:\n" + errorOutput();
    }
}
