package io.koembed.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The machine and process facts for the report header, and resident memory from /proc/self/status. */
public final class SystemInfo {

    private SystemInfo() {}

    /** "model name" of /proc/cpuinfo (e.g. "AMD EPYC"), or os.arch if unreadable. */
    public static String cpuModel() {
        for (String line : procLines("/proc/cpuinfo")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return System.getProperty("os.arch");
    }

    /** The SIMD-relevant CPU flags present (avx2, fma, avx512f, avx512_bf16, ...). */
    public static String simdFlags() {
        Set<String> wanted = Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_bf16", "amx_int8");
        Set<String> found = new TreeSet<>();
        for (String line : procLines("/proc/cpuinfo")) {
            if (line.startsWith("flags")) {
                for (String f : line.substring(line.indexOf(':') + 1).strip().split("\\s+")) {
                    if (wanted.contains(f)) {
                        found.add(f);
                    }
                }
                break;
            }
        }
        return found.isEmpty() ? "unknown" : String.join(" ", found);
    }

    public static String cpuMhz() {
        for (String line : procLines("/proc/cpuinfo")) {
            if (line.startsWith("cpu MHz")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return "?";
    }

    public static String jvm() {
        return System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor")
                + ")";
    }

    public static String jvmFlags() {
        List<String> args = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        List<String> gcs = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs.add(gc.getName());
        }
        return String.join(" ", args) + "; max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; GC "
                + String.join(", ", gcs);
    }

    public static String os() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }

    /** A /proc/self/status field in KiB (VmRSS, VmHWM), or -1 where there is no /proc. */
    public static long statusKib(String field) {
        for (String line : procLines("/proc/self/status")) {
            if (line.startsWith(field + ":")) {
                String v = line.substring(field.length() + 1).strip();
                return Long.parseLong(v.split("\\s+")[0]);
            }
        }
        return -1;
    }

    /**
     * Resets the process's peak resident set size (VmHWM) to its current RSS (Linux 4.0+: "5" to
     * /proc/self/clear_refs). False if not possible, in which case VmHWM stays the peak since process start.
     */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static List<String> procLines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
