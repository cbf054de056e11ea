package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code koembed serve} refuses limits that do not fit the model with one line, before it listens. */
class ServeCommandTest {

    @Test
    void inputLongerThanTheModelIsRefused() {
        CliTestSupport.Result r = CliTestSupport.run("serve", "--model", MODEL.toString(), "--port", "0",
                "--max-input-length", "1000");
        assertEquals(1, r.code());
        assertEquals("koembed: error: max input length 1000 exceeds the model's max_seq_length 128", r.err().strip());
    }

    @Test
    void batchBudgetSmallerThanOneInputIsRefused() {
        CliTestSupport.Result r = CliTestSupport.run("serve", "--model", MODEL.toString(), "--port", "0", "--max-batch-tokens", "64");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("max batch tokens 64 must be at least the max input length 128"), r.err());
    }
}
