package io.tether.engine.config;

import java.util.List;

/** A config that cannot be used; the message lists every problem, each naming its setting. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> problems;

    /** A config refused for {@code problems}, each naming its setting. */
    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, each naming its setting. */
    public List<String> problems() {
        return problems;
    }
}
