package io.koembed.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.common.Encoding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batcher alone: results in order and equal to encode, fairness between a huge and a small request. */
class DynamicBatcherTest {
    static SentenceTransformer model;

    @BeforeAll
    static void load() {
        model = SentenceTransformer.load(Http.MODEL);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<Encoding> tokenized(List<String> texts) {
        List<Encoding> out = new ArrayList<>();
        for (String t : texts) {
            out.add(model.tokenize(t));
        }
        return out;
    }

    /**
     * The engine runs a batch only when the test gives it a permit, so what has run is known whatever the
     * scheduler does. The huge request's first text fills batch 1; the small request is in batch 2 (or 3, when
     * batch 1 was taken before it arrived: then the huge request's second text is first in line). With 3 batches
     * run the small request is done, and the huge one, which needs 40, cannot be.
     */
    @Test
    void aHugeRequestDoesNotStarveASmallOne() throws Exception {
        // Every long text fills a whole batch of 128 tokens: the huge request needs 40 batches.
        List<String> longTexts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            longTexts.add(i + " " + String.join(" ", Collections.nCopies(200, "해변을 걷는다")));
        }
        List<Encoding> huge = tokenized(longTexts);
        List<Encoding> small = tokenized(List.of("작은 요청"));
        Semaphore permits = new Semaphore(0);
        DynamicBatcher.Engine gated = (sequences, promptLengths) -> {
            permits.acquireUninterruptibly();
            return model.encodeTokenized(sequences, promptLengths,
                    EncodeOptions.defaults().withBatchSize(sequences.size()));
        };
        try (DynamicBatcher batcher = new DynamicBatcher(gated, model.maxSeqLength(), Duration.ofMillis(1), 8,
                new ServerMetrics())) {
            try {
                CompletableFuture<float[][]> hugeDone = batcher.submit(huge, new int[huge.size()]);
                CompletableFuture<float[][]> smallDone = batcher.submit(small, new int[1]);
                permits.release(3);
                float[] smallResult = assertDoesNotThrow(() -> smallDone.get(30, TimeUnit.SECONDS),
                        "the small request was not in the first 3 batches")[0];
                assertFalse(hugeDone.isDone(), "the huge request finished in 3 batches");
                assertArrayEquals(model.encode(List.of("작은 요청"))[0], smallResult, 1e-6f);
                permits.release(huge.size());
                float[][] hugeResult = hugeDone.get();
                float[][] expected = model.encode(longTexts);
                for (int i = 0; i < expected.length; i++) {
                    assertArrayEquals(expected[i], hugeResult[i], 1e-6f, "text " + i);
                }
            } finally {
                permits.release(1000); // a failed test must not leave the batcher blocked in close()
            }
        }
    }

    @Test
    void closedBatcherRefusesNewWorkButFinishesQueuedWork() throws Exception {
        DynamicBatcher batcher = new DynamicBatcher(model, 16384, Duration.ofMillis(200), 8, new ServerMetrics());
        CompletableFuture<float[][]> queued = batcher.submit(tokenized(List.of("대기 중")), new int[1]);
        batcher.close();
        assertArrayEquals(model.encode(List.of("대기 중"))[0], queued.get()[0], 1e-6f);
        ApiError refused = assertThrows(ApiError.class, () -> batcher.submit(tokenized(List.of("늦음")), new int[1]));
        assertEquals(ApiError.Kind.UNAVAILABLE, refused.kind);
    }

    @Test
    void aFailingRequestFailsAloneInAMergedBatch() throws Exception {
        Encoding bad = new Encoding(new int[] {0, 1_000_000, 2}, new int[3], List.of("<s>", "?", "</s>"));
        try (DynamicBatcher batcher = new DynamicBatcher(model, 16384, Duration.ofMillis(300), 8,
                new ServerMetrics())) {
            CompletableFuture<float[][]> good = batcher.submit(tokenized(List.of("좋은 요청")), new int[1]);
            CompletableFuture<float[][]> broken = batcher.submit(List.of(bad), new int[1]);
            assertArrayEquals(model.encode(List.of("좋은 요청"), EncodeOptions.defaults())[0], good.get()[0], 1e-6f);
            assertThrows(ExecutionException.class, broken::get);
        }
    }
}
