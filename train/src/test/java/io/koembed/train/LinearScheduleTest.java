package io.koembed.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** transformers' get_linear_schedule_with_warmup, its factors worked out by hand. */
class LinearScheduleTest {

    private static void assertFactors(LinearSchedule schedule, double... expected) {
        for (int step = 0; step < expected.length; step++) {
            assertEquals(expected[step], schedule.factor(step), 1e-15, schedule + " step " + step);
        }
    }

    /** Up over 2 steps (0, 1/2), then down from 1 over the remaining 8 to 0 at step 10, and 0 after. */
    @Test
    void warmUpThenLinearDecay() {
        assertFactors(new LinearSchedule(2, 10), 0, 0.5, 1, 7 / 8.0, 6 / 8.0, 5 / 8.0, 4 / 8.0, 3 / 8.0, 2 / 8.0,
                1 / 8.0, 0, 0);
    }

    /** Without warm-up the first step has the full rate. */
    @Test
    void withoutWarmUp() {
        assertFactors(new LinearSchedule(0, 4), 1, 0.75, 0.5, 0.25, 0);
    }

    /** Warm-up as long as training: the rate never comes down (transformers divides by max(1, 0)). */
    @Test
    void warmUpAsLongAsTraining() {
        assertFactors(new LinearSchedule(3, 3), 0, 1 / 3.0, 2 / 3.0, 0);
    }
}
