package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The one progress format of the CLI, with rates and times worked out by hand. */
class ProgressMeterTest {
    static ProgressMeter meter(String command, String verb, String unit, boolean eta) {
        return new ProgressMeter(new PrintWriter(new StringWriter()), command, verb, unit, eta);
    }

    @Test
    void countRateAndTimeLeft() {
        ProgressMeter m = meter("mine", "encoded", "texts", true);
        // 512 texts in 6 s: 85.33/s; 4498 left at that rate: 52.7 s
        assertEquals("koembed mine: encoded 512/5010 texts, 85.3/s, ETA 53s", m.line(512, 5010, 6.0, false));
        assertEquals("koembed mine: encoded 5010/5010 texts, 85.3/s, done in 58.7s", m.line(5010, 5010, 58.7, true));
        // 30 MB of 300 in 10 s: 3/s, 270 MB left: 90 s
        assertEquals("koembed download: org/m model.safetensors 30/300 MB, 3.0/s, ETA 1m30s",
                meter("download", "org/m model.safetensors", "MB", true).line(30, 300, 10, false));
    }

    @Test
    void workThatMayStopEarlyHasNoTimeLeft() {
        ProgressMeter m = meter("classify", "L-BFGS iteration", "", false);
        assertEquals("koembed classify: L-BFGS iteration 40 of at most 1000, 5.0/s", m.line(40, 1000, 8.0, false));
    }
}
