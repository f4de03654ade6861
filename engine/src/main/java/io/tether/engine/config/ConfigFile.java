package io.tether.engine.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The config file's format: Java properties ({@link Properties#load(Reader)}: {@code name = value} or
 * {@code name: value} a line, {@code #} and {@code !} comments, a trailing backslash continues a line), read as
 * UTF-8. Each name is a setting's, as its flag without the dashes, and each value is written as on the command line
 * ({@code heartbeat-interval = 7s}). A repeatable setting takes several lines, or one with its values separated by
 * commas; any other setting given twice is refused, like a flag given twice.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    /** The settings in {@code file}, by name, in file order. */
    public static Map<String, List<String>> read(Path file) throws IOException {
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    }

    public static Map<String, List<String>> parse(String text) throws IOException {
        final Map<String, List<String>> out = new LinkedHashMap<>();
        // Properties.load puts every line through put(), so repeated names are all seen rather than the last kept.
        final Properties collector = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Object put(Object key, Object value) {
                out.computeIfAbsent(((String) key).trim(), k -> new ArrayList<>()).add(((String) value).trim());
                return null;
            }
        };
        try (Reader reader = new StringReader(text)) {
            collector.load(reader);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a properties file: " + e.getMessage(), e);
        }
        return splitRepeatable(out);
    }

    /** A repeatable setting's values may be comma-separated, in a file line or an etcd value alike. */
    public static Map<String, List<String>> splitRepeatable(Map<String, List<String>> values) {
        final Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (!isRepeatable(e.getKey())) {
                out.put(e.getKey(), List.copyOf(e.getValue()));
                continue;
            }
            final List<String> split = new ArrayList<>();
            for (String v : e.getValue()) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        split.add(part.trim());
                    }
                }
            }
            out.put(e.getKey(), List.copyOf(split));
        }
        return out;
    }

    private static boolean isRepeatable(String name) {
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            if (s.name().equals(name)) {
                return s.repeatable();
            }
        }
        return false;
    }
}
