package io.tether.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.util.Properties;
import net.openhft.hashing.LongHashFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of {@code tether.jar}. */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A long-connection session engine.",
    subcommands = {BenchCommand.class, CertsCommand.class, ClusterCommand.class, ConfigCommand.class,
        DrainCommand.class, StatCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        silenceUnsafeWarning();
        System.exit(commandLine().execute(args));
    }

    /** The whole command tree, as the jar runs it. */
    static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand("serve", ServeCommand.commandLine());
        cli.setOverwrittenOptionsAllowed(true); // a later --flag wins, as scripts that add defaults expect
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code tether --version}: the version the build wrote into {@code version.properties} (from the pom). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            final Properties build = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            return new String[] {"tether " + build.getProperty("version", "(version unknown: not built by Maven)")};
        }
    }

    /**
     * zero-allocation-hashing reads memory through sun.misc.Unsafe, and JDK 24+ prints a deprecation warning on its
     * first use unless the JVM was started with --sun-misc-unsafe-memory-access=allow (scripts/tether passes it;
     * a manifest cannot). The JDK writes that warning to System.initialErr, not System.err, so for a plain
     * {@code java -jar} the first use happens here with that stream muted; the jar's manifest opens java.lang for
     * exactly this.
     */
    static void silenceUnsafeWarning() {
        if (Runtime.version().feature() < 24) {
            LongHashFunction.xx3().hashLong(0);
            return;
        }
        try {
            final Field initialErr = System.class.getDeclaredField("initialErr");
            initialErr.setAccessible(true);
            final Object original = initialErr.get(null);
            initialErr.set(null, new PrintStream(OutputStream.nullOutputStream()));
            try {
                LongHashFunction.xx3().hashLong(0);
            } finally {
                initialErr.set(null, original);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LongHashFunction.xx3().hashLong(0); // not opened (run outside the jar): the JVM flag is the way
        }
    }
}
