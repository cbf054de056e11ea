package io.koembed.bench.koembed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the harness takes from the library: the texts of the data file and the pooling of ONNX Runtime's output. */
class KoEmbedSideTest {
    @Test
    void theBundledKorStsDevGivesBothSentencesOfEachPairInOrder() {
        // surefire runs in bench/; the data set lives in the repository's data/
        List<String> s = new KoEmbedSide().stsSentences(Path.of("../data/korsts/sts-dev.tsv"));
        assertEquals(3000, s.size());
        assertEquals("안전모를 가진 한 남자가 춤을 추고 있다.", s.get(0));
        assertEquals("안전모를 쓴 한 남자가 춤을 추고 있다.", s.get(1));
    }

    @Test
    void meanPoolingAveragesTheTokens() {
        // 3 tokens of hidden size 2: (1 + 3 + 5) / 3, (2 + 4 + 6) / 3
        assertArrayEquals(new float[] {3, 4}, new KoEmbedSide().meanPooling(2).pool(new float[] {1, 2, 3, 4, 5, 6}, 3),
                0);
    }
}
