package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code koembed serve} refuses limits that do not fit the model with one line, before it listens. */
class ServeCommandTest {
    private static final Path MODEL = Path.of(System.getProperty("koembed.testdata", "../testdata"))
            .resolve("fixtures/tiny-xlmr-ko");

    @Test
    void inputLongerThanTheModelIsAUsageError() {
        CliTest.Result r = CliTest.run("serve", "--model", MODEL.toString(), "--port", "0",
                "--max-input-length", "1000");
        assertEquals(1, r.code());
        assertEquals("koembed: error: max input length 1000 exceeds the model's max_seq_length 128", r.err().strip());
    }

    @Test
    void batchBudgetSmallerThanOneInputIsRefused() {
        CliTest.Result r = CliTest.run("serve", "--model", MODEL.toString(), "--port", "0", "--max-batch-tokens", "64");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("max batch tokens 64 must be at least the max input length 128"), r.err());
    }
}
