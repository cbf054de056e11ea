package io.koembed.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ChildCpuTest {

    /** A stat line as proc(5) lays it out, with a command name that holds a space and a parenthesis. */
    @Test
    void readsCutimeAndCstimeAfterTheCommandName() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 200 0 0 "
                + "731 95 1234 567 20 0 30 0 12345 6789 1000 18446744073709551615";
        assertArrayEquals(new double[] {12.34, 5.67}, ChildCpu.parse(stat), 1e-9);
    }

    /** A child that spins for a while shows up in the user time once it has been waited for. */
    @Test
    void countsAChildThatWasWaitedFor() throws Exception {
        double[] before = ChildCpu.seconds();
        assumeTrue(before != null, "no /proc/self/stat here");
        Process p = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done").start();
        assertTrue(p.waitFor() == 0);
        double[] after = ChildCpu.seconds();
        assertNotNull(after);
        assertTrue(after[0] + after[1] > before[0] + before[1],
                "child CPU before " + before[0] + " + " + before[1] + ", after " + after[0] + " + " + after[1]);
    }
}
