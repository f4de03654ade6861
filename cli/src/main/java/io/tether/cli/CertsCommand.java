package io.tether.cli;

import io.tether.tls.CertificateIssuer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tether certs}: a CA, a server certificate and client certificates for trying TLS and mutual TLS. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"Writes a CA, a server certificate and client certificates for TLS and mutual TLS.",
        "All are ECDSA P-256 in PEM: ca.pem and ca.key; server.pem and server.key, naming localhost, 127.0.0.1 "
            + "and every --san; NAME.pem and NAME.key for every --client. They suit tether serve's --tls-cert, "
            + "--tls-key and --tls-ca, and openssl s_client."})
final class CertsCommand implements Callable<Integer> {
    // What CertificateIssuer takes for an IP address; anything else becomes a DNS name. A SAN is checked here
    // because the issuer would only fail on it after writing ca.pem and ca.key.
    private static final Pattern ADDRESS_LIKE = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|.*:.*");
    private static final Pattern DNS_NAME = Pattern.compile(
        "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._,:=@+-]+");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Directory to write into, created if missing.")
    Path out;

    @Option(names = "--san", paramLabel = "NAME_OR_IP", description = "Another DNS name or IP address for the "
        + "server certificate, beyond localhost and 127.0.0.1 (repeatable).")
    List<String> sans = new ArrayList<>();

    @Option(names = "--client", paramLabel = "NAME", description = "Issue a client certificate with common name "
        + "NAME into NAME.pem and NAME.key (repeatable).")
    List<String> clients = new ArrayList<>();

    @Option(names = "--days", paramLabel = "DAYS",
        description = "Validity of every certificate, in days. Default: 825.")
    int days = 825;

    @Option(names = "--force", description = "Overwrite files a previous run left in --out.")
    boolean force;

    @Override
    public Integer call() {
        final PrintWriter stdout = spec.commandLine().getOut();
        final PrintWriter stderr = spec.commandLine().getErr();
        final List<String> clientNames = List.copyOf(new LinkedHashSet<>(clients));
        final String problem = usageProblem(clientNames);
        if (problem != null) {
            stderr.println("tether certs: " + problem);
            return 2;
        }
        final List<Path> written;
        try {
            written = CertificateIssuer.writeCertificateSet(out, sans, clientNames, Duration.ofDays(days));
        } catch (IllegalArgumentException e) {
            stderr.println("tether certs: --client: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            stderr.println("tether certs: cannot write into " + out + ": " + reason(e));
            return 1;
        }
        for (Path file : written) {
            stdout.println("wrote " + file);
        }
        stdout.println();
        stdout.println("Try it against a TLS listener on PORT:");
        stdout.println("  " + sClientCommand(out, clientNames));
        stdout.flush();
        return 0;
    }

    /** @return why the options cannot be used, or null when they can. */
    private String usageProblem(List<String> clientNames) {
        if (days < 1) {
            return "--days must be at least 1, not " + days;
        }
        if (LocalDate.now(ZoneOffset.UTC).plusDays(days).getYear() > 9999) {
            return "--days " + days + " ends after the year 9999, the last a certificate can name";
        }
        for (String san : sans) {
            final boolean valid = ADDRESS_LIKE.matcher(san).matches()
                ? IPAddress.isValid(san)
                : san.length() <= 253 && DNS_NAME.matcher(san).matches();
            if (!valid) {
                return "--san '" + san + "' is neither a DNS name nor an IPv4 or IPv6 address";
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            return "--out " + out + " exists and is not a directory";
        }
        if (!force) {
            final List<String> existing = new ArrayList<>();
            for (String name : fileNames(clientNames)) {
                final Path file = out.resolve(name);
                if (Files.exists(file)) {
                    existing.add(file.toString());
                }
            }
            if (!existing.isEmpty()) {
                return "refusing to overwrite " + String.join(", ", existing) + " (use --force)";
            }
        }
        return null;
    }

    /** The files {@link CertificateIssuer#writeCertificateSet} writes, in its order. */
    static List<String> fileNames(List<String> clientNames) {
        final List<String> bases = new ArrayList<>(List.of("ca", "server"));
        bases.addAll(clientNames);
        final List<String> names = new ArrayList<>();
        for (String base : bases) {
            names.add(base + ".pem");
            names.add(base + ".key");
        }
        return names;
    }

    /** An openssl s_client line that checks the server's chain and its 127.0.0.1 name, presenting a client's. */
    static String sClientCommand(Path dir, List<String> clientNames) {
        final StringBuilder line = new StringBuilder("openssl s_client -connect 127.0.0.1:PORT -CAfile ")
            .append(shellWord(dir.resolve("ca.pem"))).append(" -verify_ip 127.0.0.1 -verify_return_error");
        if (!clientNames.isEmpty()) {
            final String client = clientNames.get(0);
            line.append(" -cert ").append(shellWord(dir.resolve(client + ".pem")))
                .append(" -key ").append(shellWord(dir.resolve(client + ".key")));
        }
        return line.toString();
    }

    private static String shellWord(Path path) {
        final String text = path.toString();
        return SHELL_SAFE.matcher(text).matches() ? text : "'" + text.replace("'", "'\\''") + "'";
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        if (e instanceof FileSystemException fse) {
            return fse.getFile() + ": " + (fse.getReason() == null ? e.getClass().getSimpleName() : fse.getReason());
        }
        return e.getMessage();
    }
}
