package io.koembed.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this JVM's finished child processes, from Linux's {@code /proc/self/stat} (cutime and cstime: the
 * user and system time of every child the JVM has waited for, and of their own waited-for children). The difference
 * around one {@code bin/koembed} call is that call's CPU time; its system time is where fresh memory shows (page
 * faults, which on the shared virtual machine of bench/RESULTS.md cost a call anything from 0.3 to 1.1 s).
 */
final class ChildCpu {
    /** Linux reports these times in clock ticks of USER_HZ, 100 per second in every architecture's user ABI. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path STAT = Path.of("/proc/self/stat");

    private ChildCpu() {}

    /** {user, system} seconds of the waited-for children so far, or null where /proc/self/stat is not there. */
    static double[] seconds() {
        if (!Files.isReadable(STAT)) {
            return null;
        }
        try {
            return parse(Files.readString(STAT));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STAT + ": " + e.getMessage(), e);
        }
    }

    /** cutime and cstime of a {@code /proc/PID/stat} line, in seconds. */
    static double[] parse(String stat) {
        // the command name sits in parentheses and may hold spaces and parentheses itself: the fields after its last
        // ')' start with field 3 (state); cutime and cstime are fields 16 and 17
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new double[] {Long.parseLong(f[16 - 3]) / TICKS_PER_SECOND,
                Long.parseLong(f[17 - 3]) / TICKS_PER_SECOND};
    }
}
