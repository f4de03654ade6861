package io.tether.engine.admission;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Admission settings for unit tests: the defaults, with some settings given by their kebab-case names. */
final class TestSettings {
    private TestSettings() {
    }

    private static Object value(Class<?> type, Object given) {
        if (!(given instanceof String text)) {
            return given;
        }
        if (type == double.class) {
            return Double.parseDouble(text);
        }
        if (type == int.class) {
            return Integer.parseInt(text);
        }
        if (type == Duration.class) {
            return text.startsWith("-") ? io.tether.engine.config.Values.parseDuration(text.substring(1)).negated()
                : io.tether.engine.config.Values.parseDuration(text);
        }
        if (type == List.class) {
            return List.of(text.split(","));
        }
        return text;
    }

    static AdmissionSettings of(Object... pairs) {
        final Map<String, Object> given = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            given.put((String) pairs[i], pairs[i + 1]);
        }
        final AdmissionSettings d = io.tether.engine.config.TetherConfig.defaults().admission();
        final RecordComponent[] components = AdmissionSettings.class.getRecordComponents();
        final Object[] values = new Object[components.length];
        final Class<?>[] types = new Class<?>[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                final String name = components[i].getName().replaceAll("([A-Z])", "-$1").toLowerCase();
                types[i] = components[i].getType();
                values[i] = given.containsKey(name) ? value(types[i], given.remove(name))
                    : components[i].getAccessor().invoke(d);
            }
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("no such admission settings: " + given.keySet());
            }
            return AdmissionSettings.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
