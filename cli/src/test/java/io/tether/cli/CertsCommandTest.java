package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CertsCommandTest {
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");
    private static final long DAY_SECONDS = 24 * 60 * 60;

    @TempDir
    Path tmp;

    private record Result(int exit, String output) {
    }

    /** Runs the system's openssl in {@code dir}, its stderr merged into its output. */
    private static Result openssl(Path dir, String... args) throws IOException, InterruptedException {
        assertThat(OPENSSL).as("these tests check the files with the real openssl").isExecutable();
        final List<String> command = new ArrayList<>(List.of(OPENSSL.toString()));
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private static String opensslOk(Path dir, String... args) throws IOException, InterruptedException {
        final Result r = openssl(dir, args);
        assertThat(r.exit()).as("openssl %s:%n%s", String.join(" ", args), r.output()).isZero();
        return r.output();
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    @Test
    void shouldWriteEveryFileIntoANewDirectoryAndSayWhichAndHowToTryThem() throws Exception {
        final Path out = tmp.resolve("pki/dev");

        final InProcessRun run = InProcessRun.of("certs", "--out", out.toString(), "--client", "alice", "--client", "bob");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(fileNames(out)).containsExactlyInAnyOrder(
            "ca.pem", "ca.key", "server.pem", "server.key", "alice.pem", "alice.key", "bob.pem", "bob.key");
        assertThat(run.out().lines().filter(l -> l.startsWith("wrote ")).toList()).containsExactly(
            "wrote " + out.resolve("ca.pem"), "wrote " + out.resolve("ca.key"),
            "wrote " + out.resolve("server.pem"), "wrote " + out.resolve("server.key"),
            "wrote " + out.resolve("alice.pem"), "wrote " + out.resolve("alice.key"),
            "wrote " + out.resolve("bob.pem"), "wrote " + out.resolve("bob.key"));
        assertThat(run.out()).contains("openssl s_client -connect 127.0.0.1:PORT -CAfile " + out.resolve("ca.pem"))
            .contains("-cert " + out.resolve("alice.pem") + " -key " + out.resolve("alice.key"));
    }

    @Test
    void shouldIssueServerAndClientCertificatesOpensslVerifiesAgainstTheCa() throws Exception {
        assertThat(InProcessRun.of("certs", "--out", tmp.toString(), "--client", "alice", "--client", "bob").exit()).isZero();

        assertThat(opensslOk(tmp, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "server.pem").trim())
            .isEqualTo("server.pem: OK");
        assertThat(opensslOk(tmp, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "alice.pem").trim())
            .isEqualTo("alice.pem: OK");
        assertThat(opensslOk(tmp, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "bob.pem").trim())
            .isEqualTo("bob.pem: OK");
        assertThat(opensslOk(tmp, "x509", "-in", "alice.pem", "-noout", "-subject")).contains("CN = alice");
    }

    @Test
    void shouldNameLocalhostAndEverySanInAP256ServerCertificate() throws Exception {
        assertThat(InProcessRun.of("certs", "--out", tmp.toString(), "--san", "tether.example", "--san", "10.0.0.7",
            "--san", "::1").exit()).isZero();

        final String text = opensslOk(tmp, "x509", "-in", "server.pem", "-noout", "-text");

        assertThat(text).contains("DNS:localhost", "IP Address:127.0.0.1", "DNS:tether.example",
            "IP Address:10.0.0.7", "IP Address:0:0:0:0:0:0:0:1", "prime256v1", "P-256", "ecdsa-with-SHA256");
        assertThat(opensslOk(tmp, "x509", "-in", "ca.pem", "-noout", "-text")).contains("prime256v1");
    }

    @Test
    void shouldWriteEcKeysThatMatchTheirCertificates() throws Exception {
        assertThat(InProcessRun.of("certs", "--out", tmp.toString(), "--client", "alice").exit()).isZero();

        for (String name : List.of("ca", "server", "alice")) {
            final String key = Files.readString(tmp.resolve(name + ".key"));
            assertThat(key).as(name + ".key").matches(
                "(?s)-----BEGIN (EC )?PRIVATE KEY-----\n.*-----END (EC )?PRIVATE KEY-----\n");
            assertThat(opensslOk(tmp, "pkey", "-in", name + ".key", "-noout", "-text")).contains("prime256v1");
            assertThat(opensslOk(tmp, "pkey", "-in", name + ".key", "-pubout")).as(name + ".key against its .pem")
                .isEqualTo(opensslOk(tmp, "x509", "-in", name + ".pem", "-pubkey", "-noout"));
        }
    }

    @Test
    void shouldMakeEveryCertificateValidForTheGivenDays() throws Exception {
        assertThat(InProcessRun.of("certs", "--out", tmp.resolve("short").toString(), "--client", "alice", "--days", "30")
            .exit()).isZero();
        assertThat(InProcessRun.of("certs", "--out", tmp.resolve("default").toString()).exit()).isZero();

        for (String name : List.of("ca.pem", "server.pem", "alice.pem")) {
            assertThat(openssl(tmp.resolve("short"), "x509", "-in", name, "-noout", "-checkend",
                String.valueOf(29 * DAY_SECONDS)).exit()).as(name + " valid in 29 days").isZero();
            assertThat(openssl(tmp.resolve("short"), "x509", "-in", name, "-noout", "-checkend",
                String.valueOf(31 * DAY_SECONDS)).exit()).as(name + " expired in 31 days").isEqualTo(1);
        }
        assertThat(openssl(tmp.resolve("default"), "x509", "-in", "server.pem", "-noout", "-checkend",
            String.valueOf(824 * DAY_SECONDS)).exit()).as("valid in 824 days").isZero();
        assertThat(openssl(tmp.resolve("default"), "x509", "-in", "server.pem", "-noout", "-checkend",
            String.valueOf(826 * DAY_SECONDS)).exit()).as("expired in 826 days").isEqualTo(1);
    }

    @Test
    void shouldRefuseToOverwriteWithoutForceNamingTheExistingFiles() throws Exception {
        assertThat(InProcessRun.of("certs", "--out", tmp.toString(), "--client", "alice").exit()).isZero();
        final String ca = Files.readString(tmp.resolve("ca.pem"));
        final String alice = Files.readString(tmp.resolve("alice.key"));

        final InProcessRun again = InProcessRun.of("certs", "--out", tmp.toString(), "--client", "alice");

        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).startsWith("tether certs: refusing to overwrite " + tmp.resolve("ca.pem"))
            .contains(tmp.resolve("alice.key").toString(), "--force").doesNotContain("Exception", "\tat ");
        assertThat(again.out()).isEmpty();
        assertThat(Files.readString(tmp.resolve("ca.pem"))).isEqualTo(ca);
        assertThat(Files.readString(tmp.resolve("alice.key"))).isEqualTo(alice);

        final InProcessRun forced = InProcessRun.of("certs", "--out", tmp.toString(), "--client", "alice", "--force");

        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(Files.readString(tmp.resolve("ca.pem"))).isNotEqualTo(ca);
        assertThat(opensslOk(tmp, "verify", "-CAfile", "ca.pem", "alice.pem").trim()).isEqualTo("alice.pem: OK");
    }

    @Test
    void shouldRefuseAnExistingClientFileEvenWhenTheCaIsNew() throws Exception {
        Files.writeString(tmp.resolve("bob.pem"), "mine\n");

        final InProcessRun run = InProcessRun.of("certs", "--out", tmp.toString(), "--client", "bob");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("refusing to overwrite " + tmp.resolve("bob.pem"))
            .doesNotContain("ca.pem");
        assertThat(fileNames(tmp)).containsExactly("bob.pem");
        assertThat(Files.readString(tmp.resolve("bob.pem"))).isEqualTo("mine\n");
    }

    @Test
    void shouldRefuseDaysBelowOneOrPastTheYear9999WithoutWritingAnything() throws Exception {
        for (String days : List.of("0", "-5")) {
            final InProcessRun run = InProcessRun.of("certs", "--out", tmp.resolve("pki").toString(), "--days", days);

            assertThat(run.exit()).as("--days " + days).isEqualTo(2);
            assertThat(run.err()).isEqualTo("tether certs: --days must be at least 1, not " + days + "\n");
        }
        final InProcessRun tooLong = InProcessRun.of("certs", "--out", tmp.resolve("pki").toString(), "--days", "3000000");

        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--days 3000000", "9999");
        assertThat(tmp.resolve("pki")).doesNotExist();
    }

    @Test
    void shouldRefuseBadSansAndClientNamesWithoutWritingAnything() throws Exception {
        final Path out = tmp.resolve("pki");

        final InProcessRun space = InProcessRun.of("certs", "--out", out.toString(), "--san", "my host");
        final InProcessRun octet = InProcessRun.of("certs", "--out", out.toString(), "--san", "10.0.0.300");
        final InProcessRun path = InProcessRun.of("certs", "--out", out.toString(), "--client", "../evil");
        final InProcessRun reserved = InProcessRun.of("certs", "--out", out.toString(), "--client", "server");

        assertThat(List.of(space.exit(), octet.exit(), path.exit(), reserved.exit())).containsOnly(2);
        assertThat(space.err()).contains("--san 'my host'");
        assertThat(octet.err()).contains("--san '10.0.0.300'");
        assertThat(path.err()).contains("--client", "'../evil'").doesNotContain("Exception");
        assertThat(reserved.err()).contains("--client", "'server'");
        assertThat(out).doesNotExist();
        assertThat(tmp.resolve("evil.pem")).doesNotExist();
    }

    @Test
    void shouldNameOutWhenItIsMissingOrAFile() throws Exception {
        final Path file = Files.writeString(tmp.resolve("notes.txt"), "x");

        final InProcessRun missing = InProcessRun.of("certs", "--client", "alice");
        final InProcessRun notADirectory = InProcessRun.of("certs", "--out", file.toString());

        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--out");
        assertThat(notADirectory.exit()).isEqualTo(2);
        assertThat(notADirectory.err()).isEqualTo("tether certs: --out " + file + " exists and is not a directory\n");
    }

    @Test
    void shouldCompleteAMutualTlsHandshakeWithThePrintedOpensslLine() throws Exception {
        final Path out = tmp.resolve("it's my pki"); // the printed line quotes what a shell would split
        final InProcessRun run = InProcessRun.of("certs", "--out", out.toString(), "--client", "alice");
        assertThat(run.exit()).isZero();
        final String line = run.out().lines().map(String::trim).filter(l -> l.startsWith("openssl s_client"))
            .findFirst().orElseThrow();
        assertThat(OPENSSL).isExecutable();
        final Process server = new ProcessBuilder(OPENSSL.toString(), "s_server", "-accept", "127.0.0.1:0",
            "-cert", "server.pem", "-key", "server.key", "-CAfile", "ca.pem", "-Verify", "1",
            "-verify_return_error", "-naccept", "1").directory(out.toFile()).redirectErrorStream(true).start();
        try {
            final BufferedReader serverOut = server.inputReader(StandardCharsets.UTF_8);
            final int port = acceptedPort(serverOut);

            final Process client = new ProcessBuilder("/bin/sh", "-c", line.replace("PORT", String.valueOf(port)))
                .redirectErrorStream(true).start();
            client.getOutputStream().close(); // end of input: s_client closes after the handshake
            final String clientOut = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(client.exitValue()).as(clientOut).isZero();
            assertThat(clientOut).contains("Verify return code: 0 (ok)").contains("CN = tether server");
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            final String serverRest = serverOut.lines().reduce("", (a, b) -> a + b + "\n");
            assertThat(serverRest).contains("subject=CN = alice", "1 server accepts that finished");
        } finally {
            server.destroy();
        }
    }

    /** Reads s_server's output up to its {@code ACCEPT 127.0.0.1:PORT} line. */
    private static int acceptedPort(BufferedReader serverOut) throws IOException {
        final Pattern accept = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
        final StringBuilder seen = new StringBuilder();
        for (String l = serverOut.readLine(); l != null; l = serverOut.readLine()) {
            final Matcher m = accept.matcher(l);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            seen.append(l).append('\n');
        }
        throw new AssertionError("openssl s_server did not listen:\n" + seen);
    }
}
