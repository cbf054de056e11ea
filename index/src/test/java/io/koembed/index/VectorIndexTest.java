package io.koembed.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.search.Hit;
import io.koembed.st.ModelFingerprint;
import io.koembed.search.SearchOptions;
import io.koembed.search.SemanticSearch;
import io.koembed.search.SyntheticVectors;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorIndexTest {
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    static final Path MODEL = TESTDATA.resolve("fixtures/tiny-xlmr-ko");
    static final String FP = "sha256:test-model";

    @TempDir
    Path tmp;

    static IndexSpec spec(int dim) {
        return new IndexSpec("/models/test", FP, dim, Similarity.COSINE, 0, null, null, 16, 100);
    }

    static List<Document> docs(int from, int n) {
        List<Document> d = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            d.add(new Document("doc-" + i, "text " + i));
        }
        return d;
    }

    @Test
    void persistsReopensAndAppends() throws IOException {
        SyntheticVectors gen = new SyntheticVectors(32, 10, 1.0, 1);
        float[][] a = gen.sample(300, 2);
        float[][] b = gen.sample(200, 3);
        Path dir = tmp.resolve("idx");
        try (VectorIndex idx = VectorIndex.create(dir, spec(32))) {
            assertEquals(0, idx.size());
            idx.addVectors(docs(0, 300), a, FP);
            idx.commit();
            assertEquals(300, idx.size());
        }
        assertThrows(IllegalArgumentException.class, () -> VectorIndex.create(dir, spec(32)));
        try (VectorIndex idx = VectorIndex.open(dir)) {
            assertEquals(300, idx.size());
            assertEquals(spec(32), idx.spec());
            List<IndexHit> hit = idx.searchVectors(new float[][] {a[123]}, FP, 3, 50).get(0);
            assertEquals("doc-123", hit.get(0).id());
            assertEquals("text 123", hit.get(0).text());
            assertEquals(1.0f, hit.get(0).score(), 1e-5f);
            idx.addVectors(docs(300, 200), b, FP);
            // automatic ids continue across reopen; a known id replaces its document
            List<String> ids = idx.addVectors(List.of(Document.of("auto a"), Document.of("auto b")),
                    new float[][] {b[0], b[1]}, FP);
            assertEquals(List.of("0", "1"), ids);
            idx.addVectors(List.of(new Document("doc-5", "replaced")), new float[][] {b[2]}, FP);
        }
        try (VectorIndex idx = VectorIndex.open(dir)) {
            assertEquals(502, idx.size());
            assertEquals("doc-450", idx.searchVectors(new float[][] {b[150]}, FP, 1, 50).get(0).get(0).id());
            List<IndexHit> five = idx.searchVectors(new float[][] {b[2]}, FP, 2, 50).get(0);
            assertTrue(five.stream().anyMatch(h -> h.id().equals("doc-5") && h.text().equals("replaced")), five.toString());
            assertEquals(List.of("2"), idx.addVectors(List.of(Document.of("auto c")), new float[][] {b[3]}, FP));
            // k beyond the index, and 0
            assertEquals(50, idx.searchVectors(new float[][] {b[0]}, FP, 50, 10).get(0).size());
            assertEquals(List.of(), idx.searchVectors(new float[][] {b[0]}, FP, 0, 10).get(0));
        }
    }

    @Test
    void recallOnFiveThousandClusteredVectors() throws IOException {
        SyntheticVectors gen = new SyntheticVectors(64, 50, 1.0, 4);
        float[][] corpus = gen.sample(5000, 5);
        float[][] queries = gen.sample(200, 6);
        List<List<Hit>> exact = SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(10));
        try (VectorIndex idx = VectorIndex.create(tmp.resolve("r"), spec(64))) {
            List<Document> d = new ArrayList<>();
            for (int i = 0; i < corpus.length; i++) {
                d.add(new Document(Integer.toString(i), "t"));
            }
            idx.addVectors(d, corpus, FP);
            idx.commit();
            List<List<IndexHit>> approx = idx.searchVectors(queries, FP, 10, VectorIndex.defaultCandidates(10));
            double recall = 0;
            for (int q = 0; q < queries.length; q++) {
                Set<String> want = new HashSet<>();
                for (Hit h : exact.get(q)) {
                    want.add(Integer.toString(h.corpusId()));
                }
                recall += approx.get(q).stream().filter(h -> want.contains(h.id())).count() / 10.0;
                for (int i = 1; i < approx.get(q).size(); i++) {
                    assertTrue(approx.get(q).get(i - 1).score() >= approx.get(q).get(i).score());
                }
                // scores are exact cosines
                IndexHit top = approx.get(q).get(0);
                float[] v = corpus[Integer.parseInt(top.id())];
                assertEquals(Similarity.COSINE.score(queries[q], v), top.score(), 1e-5f);
            }
            recall /= queries.length;
            assertTrue(recall >= 0.9, "recall@10 " + recall);
        }
    }

    @Test
    void refusesVectorsAndQueriesOfAnotherModel() throws IOException {
        Path copy = tmp.resolve("model-copy");
        copyDir(MODEL, copy);
        try (SentenceTransformer model = SentenceTransformer.load(MODEL)) {
            Path dir = tmp.resolve("m");
            try (VectorIndex idx = VectorIndex.create(dir, IndexSpec.forModel(model))) {
                idx.add(model, List.of(Document.of("해변을 걷는다"), Document.of("개를 산책시킨다")), EncodeOptions.defaults());
                idx.commit();
                assertEquals(2, idx.size());
            }
            // an identical copy elsewhere is the same model
            try (SentenceTransformer same = SentenceTransformer.load(copy); VectorIndex idx = VectorIndex.open(dir)) {
                List<IndexHit> hits = idx.search(same, List.of("해변"), 2, EncodeOptions.defaults()).get(0);
                assertEquals(2, hits.size());
            }
            // change one weight in the copy: a fine-tune with the same architecture and config
            flipWeightByte(copy.resolve("model.safetensors"));
            try (SentenceTransformer other = SentenceTransformer.load(copy); VectorIndex idx = VectorIndex.open(dir)) {
                assertTrue(!ModelFingerprint.of(other).equals(ModelFingerprint.of(model)));
                ModelMismatchException e = assertThrows(ModelMismatchException.class,
                        () -> idx.search(other, List.of("해변"), 2, EncodeOptions.defaults()));
                assertTrue(e.getMessage().contains("was built by the model at"), e.getMessage());
                assertThrows(ModelMismatchException.class,
                        () -> idx.add(other, List.of(Document.of("x")), EncodeOptions.defaults()));
                assertThrows(ModelMismatchException.class,
                        () -> idx.searchVectors(new float[][] {new float[model.dimension()]}, "sha256:other", 1, 10));
                assertThrows(ModelMismatchException.class,
                        () -> idx.searchVectors(new float[][] {new float[3]}, idx.spec().modelFingerprint(), 1, 10));
            }
        }
    }

    static void copyDir(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /** Adds 1 to a byte in the middle of the weights (past the header). */
    static void flipWeightByte(Path safetensors) throws IOException {
        try (FileChannel ch = FileChannel.open(safetensors, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long header = len.flip().getLong();
            long at = 8 + header + (ch.size() - 8 - header) / 2;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.flip();
            byte b = one.get();
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (b + 1)}), at);
        }
    }
}
