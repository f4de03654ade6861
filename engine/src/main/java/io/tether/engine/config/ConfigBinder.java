package io.tether.engine.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Binds kebab-case settings to {@link TetherConfig} by reflection over its record components, so a setting has
 * one name, one default and one parser whichever source (flag, file, etcd) it comes from.
 */
public final class ConfigBinder {
    /**
     * Read once: the record's components, annotations, generic types and constructor. Reading them by reflection
     * on every bind made one live change cost about 1.7 ms and 0.9 MB of garbage (ConfigUpdateBenchmark).
     */
    private static final List<SettingInfo> SETTINGS;
    private static final Constructor<TetherConfig> CONSTRUCTOR;
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    static {
        final RecordComponent[] components = TetherConfig.class.getRecordComponents();
        final List<SettingInfo> settings = new ArrayList<>(components.length);
        final Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            final RecordComponent c = components[i];
            settings.add(new SettingInfo(kebab(c.getName()), c, c.getAnnotation(Setting.class), c.getGenericType(),
                c.getAccessor()));
            types[i] = c.getType();
        }
        SETTINGS = List.copyOf(settings);
        try {
            CONSTRUCTOR = TetherConfig.class.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ConfigBinder() {
    }

    /** One setting: its kebab-case name, its component, its description, and its type and accessor. */
    public record SettingInfo(String name, RecordComponent component, Setting setting, Type type, Method accessor) {
        public boolean repeatable() {
            return setting.repeatable();
        }
    }

    /** Every setting, in the record's order (an unmodifiable list, the same one every call). */
    public static List<SettingInfo> settings() {
        return SETTINGS;
    }

    /**
     * Builds a config from raw values by setting name (each a list, for repeatable settings); settings not given
     * take their defaults. Every problem, unknown names and bad values included, is reported in one exception.
     */
    public static TetherConfig bind(Map<String, List<String>> values) {
        final List<String> problems = new ArrayList<>();
        final Map<String, List<String>> remaining = new TreeMap<>(values);
        final List<SettingInfo> settings = settings();
        final Object[] args = new Object[settings.size()];
        for (int i = 0; i < settings.size(); i++) {
            final SettingInfo s = settings.get(i);
            List<String> raw = remaining.remove(s.name());
            if (raw == null || raw.isEmpty()) {
                raw = s.setting().defaultValue().isEmpty() ? List.of() : List.of(s.setting().defaultValue());
            } else if (!s.repeatable() && raw.size() > 1) {
                problems.add(s.name() + ": given " + raw.size() + " times, but takes one value");
                args[i] = convert(s.type(), defaults(s)); // so the rest is still checked
                continue;
            }
            try {
                args[i] = convert(s.type(), raw);
            } catch (IllegalArgumentException | ArithmeticException e) {
                problems.add(s.name() + ": " + e.getMessage());
                // Stand in the default, so the rest can still be validated and reported in the same pass.
                args[i] = convert(s.type(), defaults(s));
            }
        }
        for (String unknown : remaining.keySet()) {
            problems.add(unknownSetting(unknown));
        }
        final TetherConfig config = construct(args);
        problems.addAll(config.problems());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static List<String> defaults(SettingInfo s) {
        return s.setting().defaultValue().isEmpty() ? List.of() : List.of(s.setting().defaultValue());
    }

    /** A copy of {@code base} with some settings replaced, validated the same way. */
    public static TetherConfig with(TetherConfig base, Map<String, List<String>> changes) {
        final Map<String, List<String>> all = new TreeMap<>();
        for (SettingInfo s : settings()) {
            all.put(s.name(), format(s, base));
        }
        all.putAll(changes);
        return bind(all);
    }

    /** The value of a setting of {@code config}, written as a user would write it. */
    public static List<String> format(SettingInfo s, TetherConfig config) {
        final Object value;
        try {
            value = s.accessor().invoke(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Object::toString).toList();
        }
        if (value instanceof Duration d) {
            return List.of(Values.formatDuration(d));
        }
        if (value instanceof Enum<?> e) {
            return List.of(e.name().toLowerCase(Locale.ROOT));
        }
        return List.of(String.valueOf(value));
    }

    private static Object convert(Type type, List<String> raw) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            final Type element = p.getActualTypeArguments()[0];
            final List<Object> out = new ArrayList<>();
            for (String r : raw) {
                out.add(convertOne(element, r));
            }
            return out;
        }
        if (raw.isEmpty()) {
            if (type == String.class) {
                return ""; // an optional setting left out
            }
            throw new IllegalArgumentException("a value is needed");
        }
        return convertOne(type, raw.get(0));
    }

    private static Object convertOne(Type type, String text) {
        if (type == int.class) {
            return Math.toIntExact(parseNumber(text));
        } else if (type == long.class) {
            return parseNumber(text);
        } else if (type == double.class) {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a number");
            }
        } else if (type == boolean.class) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default ->
                    throw new IllegalArgumentException("'" + text + "' is not on or off (or true, false, yes, no)");
            };
        } else if (type == Duration.class) {
            return Values.parseDuration(text);
        } else if (type == String.class) {
            return text;
        } else if (type == ListenAddress.class) {
            return ListenAddress.parse(text);
        } else if (type instanceof Class<?> c && c.isEnum()) {
            for (Object constant : c.getEnumConstants()) {
                if (((Enum<?>) constant).name().equalsIgnoreCase(text.trim())) {
                    return constant;
                }
            }
            final List<String> names = new ArrayList<>();
            for (Object constant : c.getEnumConstants()) {
                names.add(((Enum<?>) constant).name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", names));
        }
        throw new IllegalStateException("no parser for " + type);
    }

    /** A plain integer (negative allowed, so range checks can name the problem), or a size such as 64KiB. */
    private static long parseNumber(String text) {
        final String t = text.trim();
        if (INTEGER.matcher(t).matches()) {
            return Long.parseLong(t);
        }
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            return Values.parseSize(t);
        }
        throw new IllegalArgumentException("'" + text + "' is not a number");
    }

    private static TetherConfig construct(Object[] args) {
        try {
            return CONSTRUCTOR.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new ConfigException(List.of(String.valueOf(e.getCause().getMessage())));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The refusal of an unknown name: it and the closest valid name, so a typo is fixed at a glance. */
    public static String unknownSetting(String name) {
        return "unknown setting '" + name + "' (the closest is '" + closestName(name) + "')";
    }

    /** The setting name nearest to {@code name} by edit distance (ties: the first in declaration order). */
    public static String closestName(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (SettingInfo s : settings()) {
            final int d = editDistance(name.toLowerCase(Locale.ROOT), s.name());
            if (d < bestDistance) {
                best = s.name();
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, two rows. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            final int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    static String kebab(String camel) {
        final StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
