package io.koembed.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommunityDetectionTest {

    static void assertSameCommunities(JsonNode expected, List<int[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": number of communities");
        for (int c = 0; c < actual.size(); c++) {
            assertArrayEquals(Reference.ints(expected.get(c)), actual.get(c), what + ": community " + c);
        }
    }

    @Test
    void identicalToSentenceTransformersOnReferenceEmbeddings() {
        JsonNode ref = Reference.get();
        float[][] emb = Reference.floats(ref.get("community_embeddings"));
        for (JsonNode c : ref.get("community_detection")) {
            JsonNode p = c.get("params");
            List<int[]> got = CommunityDetection.detect(emb, (float) p.get("threshold").asDouble(),
                    p.get("min_community_size").asInt(), p.path("batch_size").asInt(1024), Progress.NONE);
            assertSameCommunities(c.get("communities"), got, p.toString());
        }
    }

    @Test
    void batchSizeDoesNotChangeTheResult() {
        JsonNode ref = Reference.get();
        float[][] emb = Reference.floats(ref.get("community_embeddings"));
        JsonNode c = ref.get("community_detection").get(1);
        for (int batch : new int[] {1, 7, 64, 90, 1000}) {
            assertSameCommunities(c.get("communities"), CommunityDetection.detect(emb, 0.65f, 6, batch,
                    Progress.NONE), "batch " + batch);
        }
    }

    @Test
    void handCheckedOverlapRemoval() {
        // Points on the unit circle at these angles (degrees). With threshold cos(25°): 0 is close to 10 and 20;
        // 10 to 0, 20, 30; 20 to 0, 10, 30; 30 to 10, 20; 100 is alone.
        double[] deg = {0, 10, 20, 30, 100};
        float[][] emb = new float[deg.length][];
        for (int i = 0; i < deg.length; i++) {
            emb[i] = new float[] {(float) Math.cos(Math.toRadians(deg[i])), (float) Math.sin(Math.toRadians(deg[i]))};
        }
        float threshold = (float) Math.cos(Math.toRadians(25));
        List<int[]> got = CommunityDetection.detect(emb, threshold, 3, 2, Progress.NONE);
        // candidates (largest first, stable): 1:[1,0,2,3] (ties 0/2 at 10°: lower index first), 2:[2,1,3,0],
        // 0:[0,1,2], 3:[3,2,1]; the first takes 0..3, the rest are left with nothing.
        assertEquals(1, got.size());
        assertArrayEquals(new int[] {1, 0, 2, 3}, got.getFirst());
        // minimum size 1: the lone point forms its own community after the big one
        List<int[]> all = CommunityDetection.detect(emb, threshold, 1, 1024, Progress.NONE);
        assertEquals(2, all.size());
        assertArrayEquals(new int[] {4}, all.get(1));
        // a minimum above the number of points is capped at it (as in sentence-transformers): one community of all
        List<int[]> capped = CommunityDetection.detect(emb, -1f, 50, 1024, Progress.NONE);
        assertEquals(1, capped.size());
        assertEquals(5, capped.getFirst().length);
    }

    @Test
    void sortKeyOrdersFloatsNumerically() {
        float[] v = {Float.NEGATIVE_INFINITY, -3.5f, -1f, -Float.MIN_VALUE, -0.0f, 0.0f, Float.MIN_VALUE, 0.25f, 1f,
            Float.MAX_VALUE};
        for (int a = 0; a < v.length; a++) {
            for (int b = 0; b < v.length; b++) {
                assertEquals(Float.compare(v[a] + 0.0f, v[b] + 0.0f) < 0 && v[a] != v[b],
                        CommunityDetection.ascendingBits(v[a]) < CommunityDetection.ascendingBits(v[b]), v[a] + " " + v[b]);
            }
        }
        assertEquals(CommunityDetection.ascendingBits(-0.0f), CommunityDetection.ascendingBits(0.0f));
    }

    @Test
    void edgeCasesAndBadInput() {
        assertEquals(List.of(), CommunityDetection.detect(new float[0][]));
        assertThrows(IllegalArgumentException.class, () -> CommunityDetection.detect(new float[][] {{1}}, 0.5f, 0,
                10, Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> CommunityDetection.detect(new float[][] {{1}}, 0.5f, 1,
                0, Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> CommunityDetection.detect(new float[][] {{1}, {1, 2}},
                0.5f, 1, 10, Progress.NONE));
    }
}
