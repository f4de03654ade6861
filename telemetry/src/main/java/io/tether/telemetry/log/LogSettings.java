package io.tether.telemetry.log;

import java.util.ArrayList;
import java.util.List;

/** The log settings of a server, as {@code TetherConfig} names them ({@code log-format}, {@code log-file}, ...). */
public record LogSettings(String format, String file, String level, int sampleFirst, int sampleThereafter,
                          int errorSampleFirst, int errorSampleThereafter, boolean sampleDryRun, int queue,
                          long fileMaxSize, int fileMaxCount, long fileMaxTotal, long diskHighWater,
                          long diskLowWater, int otlpQueue) {

    /** Everything wrong, each naming its setting; empty when valid. */
    public List<String> problems() {
        final List<String> p = new ArrayList<>();
        try {
            LogFormat.fromFlag(format, false);
        } catch (IllegalArgumentException e) {
            p.add(e.getMessage());
        }
        try {
            LogLevels.parse(level);
        } catch (IllegalArgumentException e) {
            p.add("log-level: " + e.getMessage());
        }
        try {
            sampling();
        } catch (IllegalArgumentException e) {
            p.add(e.getMessage());
        }
        if (queue < 16 || queue > (1 << 24)) {
            p.add("log-queue: must be 16 to 16777216, got " + queue);
        }
        if (fileMaxSize < 4096) {
            p.add("log-file-max-size: must be at least 4 KiB, got " + fileMaxSize);
        }
        if (fileMaxCount < 0) {
            p.add("log-file-max-count: must not be negative, got " + fileMaxCount);
        }
        if (fileMaxTotal < fileMaxSize) {
            p.add("log-file-max-total (" + fileMaxTotal + ") must be at least log-file-max-size (" + fileMaxSize
                + ")");
        }
        if (diskLowWater < 0 || diskHighWater < diskLowWater) {
            p.add("log-disk-low-water (" + diskLowWater + ") must be 0 or more and at most log-disk-high-water ("
                + diskHighWater + ")");
        }
        if (otlpQueue < 16) {
            p.add("log-otlp-queue: must be at least 16, got " + otlpQueue);
        }
        return p;
    }

    public Sampling sampling() {
        return new Sampling(sampleFirst, sampleThereafter, errorSampleFirst, errorSampleThereafter, sampleDryRun);
    }

    public LogLevels levels() {
        return LogLevels.parse(level);
    }
}
