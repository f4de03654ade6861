package io.tether.bench.report;

import java.util.List;

/**
 * How the run was asked for, as the report lists it: the tool's version and every option of the command with its
 * value, whether given on the command line or left at its default.
 */
public record RunDescription(String version, List<Setting> settings) {
    public RunDescription {
        settings = List.copyOf(settings);
    }

    /** One option: its flag, its value, and whether the command line gave it. */
    public record Setting(String name, String value, boolean given) {
    }
}
