package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static io.koembed.cli.CliTestSupport.TESTDATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Progress;
import io.koembed.mining.CommunityDetection;
import io.koembed.mining.KMeans;
import io.koembed.mining.ParaphraseMining;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mine and cluster end to end on the tiny fixture model, checked against the library on the same embeddings. */
class MiningCliTest {
    static final Path KORNLI_DEV = TESTDATA.resolve("../data/kornli/xnli.dev.ko.tsv");

    static SentenceTransformer st;
    static List<String> texts;
    static float[][] embeddings;

    @TempDir
    Path tmp;

    /** 120 distinct hypotheses of KorNLI dev, plus three exact duplicates (which must pair up with score 1). */
    @BeforeAll
    static void setUp() throws IOException {
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String line : Files.readAllLines(KORNLI_DEV).subList(1, 400)) {
            distinct.add(line.split("\t", -1)[1]);
        }
        texts = new ArrayList<>(new ArrayList<>(distinct).subList(0, 120));
        texts.add(texts.get(5));
        texts.add(texts.get(17));
        texts.add(texts.get(17));
        st = SentenceTransformer.load(MODEL);
        embeddings = st.encode(texts);
    }

    @AfterAll
    static void tearDown() {
        st.close();
    }

    Path inputFile() throws IOException {
        Path input = tmp.resolve("texts.txt");
        Files.write(input, texts, StandardCharsets.UTF_8);
        return input;
    }

    @Test
    void encodingWithTheMeterEqualsOneEncodeCall() {
        float[][] metered = ProgressMeter.encode(st, texts, EncodeOptions.defaults().withBatchSize(3),
                new PrintWriter(new StringWriter()), "test");
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(embeddings[i], metered[i], "text " + i);
        }
    }

    @Test
    void mineMatchesTheLibraryAndFiltersByThreshold() throws IOException {
        Path input = inputFile();
        CliTestSupport.Result r = CliTestSupport.run("mine", "--model", MODEL.toString(), "--input", input.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = CliTestSupport.lines(r.out());
        List<ParaphraseMining.Pair> expected = ParaphraseMining.mine(embeddings);
        assertEquals(expected.size(), out.size());
        for (int t = 0; t < out.size(); t++) {
            JsonNode o = out.get(t);
            ParaphraseMining.Pair p = expected.get(t);
            assertEquals(p.i(), o.get("i").asInt());
            assertEquals(p.j(), o.get("j").asInt());
            assertEquals(p.score(), (float) o.get("score").asDouble(), "scores are printed exactly");
            assertEquals(texts.get(p.i()), o.get("text_i").asText());
            assertEquals(texts.get(p.j()), o.get("text_j").asText());
        }
        // the duplicates come first, with score 1 (float32: within an ulp or two)
        assertEquals(1.0, out.getFirst().get("score").asDouble(), 1e-6);
        assertEquals(texts.get(out.getFirst().get("i").asInt()), texts.get(out.getFirst().get("j").asInt()));

        double threshold = out.get(40).get("score").asDouble();
        Path file = tmp.resolve("pairs.jsonl");
        CliTestSupport.Result filtered = CliTestSupport.run("mine", "-m", MODEL.toString(), "-i", input.toString(), "--threshold",
                Double.toString(threshold), "-o", file.toString());
        assertEquals(0, filtered.code(), filtered.err());
        List<JsonNode> kept = CliTestSupport.lines(Files.readString(file));
        long qualifying = out.stream().filter(o -> (float) o.get("score").asDouble() >= (float) threshold).count();
        assertEquals(qualifying, kept.size());
        assertTrue(kept.size() >= 41);
        assertTrue(filtered.err().contains("wrote " + kept.size() + " pairs"), filtered.err());
    }

    @Test
    void mineTopKAndMaxPairsAreSentenceTransformers() throws IOException {
        CliTestSupport.Result r = CliTestSupport.run("mine", "-m", MODEL.toString(), "-i", inputFile().toString(), "--top-k", "2",
                "--max-pairs", "11");
        assertEquals(0, r.code(), r.err());
        List<ParaphraseMining.Pair> expected = ParaphraseMining.mine(embeddings,
                ParaphraseMining.Options.defaults().withTopK(2).withMaxPairs(11), Progress.NONE);
        List<JsonNode> out = CliTestSupport.lines(r.out());
        assertEquals(expected.size(), out.size());
        assertTrue(out.size() <= 5, "max_pairs 11 keeps at most 10 directed candidates: " + out.size());
    }

    @Test
    void communityClustersMatchTheLibrary() throws IOException {
        CliTestSupport.Result r = CliTestSupport.run("cluster", "-m", MODEL.toString(), "-i", inputFile().toString(), "--method",
                "community", "--threshold", "0.9", "--min-size", "3");
        assertEquals(0, r.code(), r.err());
        List<int[]> expected = CommunityDetection.detect(embeddings, 0.9f, 3, 1024, Progress.NONE);
        List<JsonNode> out = CliTestSupport.lines(r.out());
        assertFalse(expected.isEmpty(), "the test needs some communities");
        assertEquals(expected.size(), out.size());
        int covered = 0;
        for (int c = 0; c < out.size(); c++) {
            JsonNode o = out.get(c);
            assertEquals(c, o.get("cluster").asInt());
            int[] members = new int[o.get("members").size()];
            for (int m = 0; m < members.length; m++) {
                members[m] = o.get("members").get(m).asInt();
                assertEquals(texts.get(members[m]), o.get("texts").get(m).asText());
            }
            assertArrayEquals(expected.get(c), members);
            assertEquals(members.length, o.get("size").asInt());
            covered += members.length;
        }
        assertTrue(r.err().contains(out.size() + " communities cover " + covered + " of " + texts.size()), r.err());
    }

    @Test
    void kmeansPutsEveryTextInOneClusterAsTheLibraryDoes() throws IOException {
        CliTestSupport.Result r = CliTestSupport.run("cluster", "-m", MODEL.toString(), "-i", inputFile().toString(), "--method",
                "kmeans", "--k", "5", "--seed", "7");
        assertEquals(0, r.code(), r.err());
        float[][] normalized = st.encode(texts, EncodeOptions.defaults().withNormalize(true));
        KMeans.Result expected = KMeans.fit(normalized, KMeans.Options.of(5, 7), Progress.NONE);
        List<JsonNode> out = CliTestSupport.lines(r.out());
        assertEquals(5, out.size());
        int[] seen = new int[texts.size()];
        for (int c = 0; c < 5; c++) {
            JsonNode members = out.get(c).get("members");
            assertArrayEquals(expected.clusters().get(c), CliTestSupport.ints(members));
            for (JsonNode m : members) {
                seen[m.asInt()]++;
            }
            if (c > 0) {
                assertTrue(out.get(c - 1).get("size").asInt() >= out.get(c).get("size").asInt());
            }
        }
        for (int count : seen) {
            assertEquals(1, count);
        }
        assertTrue(r.err().contains("inertia"), r.err());
    }

    @Test
    void badOptionsAndDataAreOneLineErrors() throws IOException {
        Path input = inputFile();
        String[][] cases = {
            {"cluster", "-m", MODEL.toString(), "-i", input.toString(), "--method", "kmeans"},
            {"cluster", "-m", MODEL.toString(), "-i", input.toString(), "--method", "community", "--k", "3"},
            {"cluster", "-m", MODEL.toString(), "-i", input.toString(), "--method", "kmeans", "--k", "3",
                "--min-size", "2"},
            {"cluster", "-m", MODEL.toString(), "-i", input.toString(), "--method", "kmeans", "--k", "500"},
            {"mine", "-m", MODEL.toString(), "-i", input.toString(), "--top-k", "0"},
            {"mine", "-m", MODEL.toString(), "-i", tmp.resolve("absent.txt").toString()},
        };
        String[] messages = {"--method kmeans needs --k", "--k applies to --method kmeans",
            "--min-size applies to --method community", "--k 500 needs at least 500 texts",
            "--top-k must be at least 1", "absent.txt: file not found"};
        int[] codes = {2, 2, 2, 1, 2, 1}; // usage errors exit 2, a problem with the input (or at odds with it) 1
        for (int t = 0; t < cases.length; t++) {
            CliTestSupport.Result r = CliTestSupport.run(cases[t]);
            assertEquals(codes[t], r.code(), String.join(" ", cases[t]));
            assertTrue(r.err().contains(messages[t]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        Path bad = tmp.resolve("bad.txt");
        Files.write(bad, new byte[] {'o', 'k', '\n', 'x', (byte) 0xFF, '\n'});
        CliTestSupport.Result r = CliTestSupport.run("mine", "-m", MODEL.toString(), "-i", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.txt:2: invalid UTF-8"), r.err());
        CliTestSupport.Result usage = CliTestSupport.run("cluster", "-m", MODEL.toString(), "-i", input.toString());
        assertEquals(2, usage.code(), "missing --method is a usage error");
    }
}
