package io.tether.bench.report;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine the load generator ran on, as the report shows it. Memory in bytes; NaN load where unknown. */
record Machine(int cores, long memoryBytes, long maxHeapBytes, String os, String jvm, String jvmFlags, String host,
               double loadAverage) {
    static Machine current() {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        final long memory = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
        return new Machine(Runtime.getRuntime().availableProcessors(), memory, Runtime.getRuntime().maxMemory(),
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
                + System.getProperty("os.arch") + ")",
            System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vm.vendor") + ")",
            String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()), hostName(),
            os.getSystemLoadAverage() < 0 ? Double.NaN : os.getSystemLoadAverage());
    }

    /** The kernel's host name where there is one (no DNS lookup), else the JDK's. */
    private static String hostName() {
        try {
            final Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                return Files.readString(kernel).trim();
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
