package io.tether.engine.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code tether config show} prints: every setting's effective value and the source it came from, and the
 * values other sources give it that precedence overrides (so a shadowed etcd value is seen, not guessed). One line
 * per setting, tab-separated: name, value, source, then {@code source=value} for each overridden source.
 */
public final class ConfigReport {
    private ConfigReport() {
    }

    public static String render(LiveConfig.Snapshot snapshot) {
        final StringBuilder sb = new StringBuilder();
        for (ConfigBinder.SettingInfo s : ConfigBinder.settings()) {
            final ConfigSource source = snapshot.sourceOf(s.name());
            sb.append(s.name()).append('\t')
                .append(LiveConfig.shown(s, ConfigBinder.format(s, snapshot.config()))).append('\t')
                .append(source.label());
            for (ConfigSource other : ConfigSource.values()) {
                final Map<String, List<String>> layer = snapshot.layers().get(other);
                if (other != source && layer != null && layer.containsKey(s.name())) {
                    sb.append('\t').append(other.label()).append('=').append(LiveConfig.shown(s, layer.get(s.name())));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The lines of {@link #render} as an aligned table, with a header. */
    public static List<String> table(String rendered) {
        final List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SETTING", "VALUE", "SOURCE", ""});
        int w0 = 0;
        int w1 = 0;
        for (String line : rendered.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            final String[] f = line.split("\t");
            final StringBuilder overridden = new StringBuilder();
            for (int i = 3; i < f.length; i++) {
                overridden.append(overridden.isEmpty() ? "(overrides " : ", ").append(f[i]);
            }
            if (!overridden.isEmpty()) {
                overridden.append(')');
            }
            rows.add(new String[] {f[0], f.length > 1 ? f[1] : "", f.length > 2 ? f[2] : "", overridden.toString()});
        }
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
        }
        final List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            out.add(String.format("%-" + w0 + "s  %-" + w1 + "s  %-7s %s", r[0], r[1], r[2], r[3]).stripTrailing());
        }
        return out;
    }
}
