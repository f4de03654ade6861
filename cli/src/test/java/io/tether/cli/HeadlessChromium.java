package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * A local page rendered by headless Chromium (scripts/setup-peers installs it; a test that needs it fails, never
 * skips, without it): a screenshot, and every message the page sent to the console, which Chromium logs to
 * stderr as {@code INFO:CONSOLE} lines (a blocked load, a script error, a CSP violation).
 */
record HeadlessChromium(Path screenshot, List<String> consoleMessages, int width, int height, int colors) {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    static HeadlessChromium render(Path page, Path work) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(CHROMIUM)).as("%s is missing: run scripts/setup-peers", CHROMIUM).isTrue();
        final Path shot = work.resolve("screenshot.png");
        final Path log = work.resolve("chromium.log");
        final Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + work.resolve("profile"),
            "--enable-logging=stderr", "--v=0", "--window-size=1280,2600", "--screenshot=" + shot,
            page.toUri().toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        assertThat(chromium.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        final String stderr = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(chromium.exitValue()).as("chromium: %s", stderr).isZero();
        assertThat(shot).as("chromium wrote a screenshot: %s", stderr).exists();
        final List<String> console = stderr.lines().filter(l -> l.contains(":CONSOLE")).toList();
        final BufferedImage image = ImageIO.read(shot.toFile());
        return new HeadlessChromium(shot, console, image.getWidth(), image.getHeight(), colors(image));
    }

    /** How many different colours the picture has: a blank or failed page has a handful. */
    private static int colors(BufferedImage image) {
        final Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
