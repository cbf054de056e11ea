package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code encode} with a progress callback: one report per encoder pass, and the same vectors as without. */
class EncodeProgressTest {
    static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.", "해변을 걷는 사람", "고양이가 소파에서 잔다.", "비가 온다.",
            "한 여자가 기타를 치고 있다.", "남자가 말을 타고 있다.", "아이들이 공원에서 놀고 있다.", "오늘은 맑다.",
            "커피 한 잔", "기차가 역에 도착했다.", "학생들이 도서관에서 공부한다.");

    @Test
    void reportsEveryEncoderPassAndChangesNoVector() {
        try (SentenceTransformer model = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"))) {
            EncodeOptions options = EncodeOptions.defaults().withBatchSize(4);
            List<long[]> updates = new ArrayList<>();
            float[][] reported = model.encode(TEXTS, options, (done, total) -> updates.add(new long[] {done, total}));
            float[][] plain = model.encode(TEXTS, options);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(plain[i], reported[i], "text " + i); // bit for bit
            }
            // 13 short texts in batches of 4: passes of 4, 4, 4 and 1 texts
            assertEquals(List.of(4L, 8L, 12L, 13L), updates.stream().map(u -> u[0]).toList());
            assertTrue(updates.stream().allMatch(u -> u[1] == TEXTS.size()));
            List<long[]> none = new ArrayList<>();
            assertEquals(0, model.encode(List.of(), options, (done, total) -> none.add(new long[] {done})).length);
            assertTrue(none.isEmpty(), "nothing to encode, nothing to report");
        }
    }
}
