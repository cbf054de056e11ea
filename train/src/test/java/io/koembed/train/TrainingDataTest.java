package io.koembed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.eval.StsDataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {

    private static final Path RESOURCES = Path.of("src/test/resources/training-data");

    @TempDir
    Path dir;

    // ---- the real dev files in the repository's data/ folder, against train/src/test/python/training_data_reference.py

    @Test
    void korStsDevAsTheStsRecipeReadsIt() {
        TrainingData data = TrainingData.scoredPairs(StsDataset.dataDirectory().resolve("korsts/sts-dev.tsv"));
        assertEquals(1500, data.examples().size());
        assertEquals(List.of("sentence1", "sentence2"), data.columns());
        assertEquals("score", data.labelColumn());
        assertEquals(List.of("안전모를 가진 한 남자가 춤을 추고 있다.", "안전모를 쓴 한 남자가 춤을 추고 있다."),
                data.examples().get(0).texts());
        assertEquals(0.95f, data.examples().get(1).label()); // 4.750 / 5
        assertEquals("2829d3514e410ad855ed45a24c8c6a8d4746c834c7ace97be1adec7684162bf0", digest(data));
    }

    @Test
    void korNliDevPairsWithTheNliRecipesLabelIds() {
        TrainingData data = TrainingData.labelledPairs(StsDataset.dataDirectory().resolve("kornli/xnli.dev.ko.tsv"));
        assertEquals(2490, data.examples().size());
        assertEquals(3, data.numLabels());
        assertEquals("gold_label", data.labelColumn());
        // the first rows: neutral, contradiction, entailment
        assertEquals(List.of(2f, 0f, 1f), data.examples().subList(0, 3).stream().map(TrainingExample::label).toList());
        assertEquals("441645dd88096e212fa530a0db5a9da3271b0f13fcb7aa41007dc1db17fc1127", digest(data));
    }

    @Test
    void korNliDevTripletsAsTheNliV2RecipeBuildsThem() {
        TrainingData data = TrainingData.anchoredRows(StsDataset.dataDirectory().resolve("kornli/xnli.dev.ko.tsv"), 42);
        assertEquals(List.of("anchor", "positive", "negative"), data.columns());
        assertEquals(null, data.labelColumn());
        assertEquals(1660, data.examples().size());
        // every premise of the dev set has exactly one entailment and one contradiction: no choice is random
        assertEquals("a2afa689c960e440c60fa6fd91138f3eee399dd49a669a5451e7888268a41bde", digest(data));
    }

    // ---- small files in test resources

    @Test
    void jsonlColumnsFollowSentenceTransformersRule() {
        TrainingData sts = TrainingData.scoredPairs(RESOURCES.resolve("stsb-pairs.jsonl"));
        assertEquals(List.of("sentence1", "sentence2"), sts.columns());
        assertEquals(3, sts.examples().size(), "the blank line is skipped");
        assertEquals(0.76f, sts.examples().get(1).label());
        // field order differs on line 4: columns are matched by name
        assertEquals(List.of("한 여자가 양파를 자르고 있다.", "고양이가 \"잔다\"."), sts.examples().get(2).texts());

        TrainingData nli = TrainingData.labelledPairs(RESOURCES.resolve("nli-pairs.jsonl"));
        assertEquals(List.of("premise", "hypothesis"), nli.columns());
        assertEquals("label", nli.labelColumn());
        assertEquals(3, nli.numLabels());
        assertEquals(List.of(0f, 2f, 1f), nli.examples().stream().map(TrainingExample::label).toList());

        TrainingData triplets = TrainingData.anchoredRows(RESOURCES.resolve("triplets.jsonl"), 0);
        assertEquals(List.of("anchor", "positive", "negative"), triplets.columns());
        assertEquals(List.of("그는 웃었다.", "그는 기뻐했다.", "그는 울었다."), triplets.examples().get(1).texts());
    }

    /**
     * kornli-small.tsv, by hand: after stripping, A is entailed by B and D and contradicted by C; B also contradicts
     * F; G and H only contradict each other. So A and B (in that order) each give two triplets.
     */
    @Test
    void korNliTripletsByHand() {
        Path file = RESOURCES.resolve("kornli-small.tsv");
        Set<String> firstPositives = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            List<List<String>> t = TrainingData.anchoredRows(file, seed).examples().stream()
                    .map(TrainingExample::texts).toList();
            assertEquals(4, t.size());
            String e1 = t.get(0).get(1), e2 = t.get(1).get(0);
            assertTrue(Set.of("B", "D").containsAll(List.of(e1, e2)), t::toString);
            assertEquals(List.of("A", e1, "C"), t.get(0));
            assertEquals(List.of(e2, "A", "C"), t.get(1));
            assertEquals(List.of("B", "A", "F"), t.get(2));
            assertEquals(List.of("A", "B", "F"), t.get(3));
            firstPositives.add(e1);
            assertEquals(t, TrainingData.anchoredRows(file, seed).examples().stream()
                    .map(TrainingExample::texts).toList(), "the same seed draws the same");
        }
        assertEquals(Set.of("B", "D"), firstPositives, "the choice among entailments is drawn");
        // as pairs, nothing is stripped (training_nli.py does not strip)
        assertEquals(List.of(" A ", "B"), TrainingData.labelledPairs(file).examples().get(0).texts());
    }

    // ---- errors: file and line, before training starts

    @Test
    void korStsErrors() throws IOException {
        String header = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n";
        String good = "main-captions\tMSRvid\t2012test\t0001\t5.000\t가\t나\n";
        expectError(TrainingData::scoredPairs, "sts.tsv", header + good + "a\tb\tc\td\t5.5\te\tf\n",
                ":3: score 5.5 is outside 0..5");
        expectError(TrainingData::scoredPairs, "sts.tsv", good + "a\tb\tc\td\t-0.1\te\tf\n", ":2: score -0.1 is outside");
        expectError(TrainingData::scoredPairs, "sts.tsv", header + good + "a\tb\tc\td\t1\te\n",
                ":3: found 6 fields, expected 7");
        expectError(TrainingData::scoredPairs, "sts.tsv", header + "a\tb\tc\td\tfive\te\tf\n",
                ":2: score 'five' is not a number");
        expectError(TrainingData::scoredPairs, "sts.tsv", "", "empty file");
        expectError(TrainingData::scoredPairs, "sts.json", "[]", "not a training format");
        Path latin1 = dir.resolve("latin1.tsv");
        Files.write(latin1, (header + "a\tb\tc\td\t1\tcaf\u00e9\tx\n").getBytes(StandardCharsets.ISO_8859_1));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> TrainingData.scoredPairs(latin1)),
                latin1 + ":2: invalid UTF-8");
    }

    @Test
    void korNliErrors() throws IOException {
        String header = "sentence1\tsentence2\tgold_label\n";
        expectError(TrainingData::labelledPairs, "nli.tsv", header + "가\t나\tentailment\n가\t다\t-\n",
                ":3: unknown label '-' (expected contradiction, entailment, neutral)");
        expectError(TrainingData::labelledPairs, "nli.tsv", header + "가\tentailment\n", ":2: found 2 fields, expected 3");
        expectError(TrainingData::labelledPairs, "nli.tsv", header + "가\t나\tentailment\n\n", ":3: found 1 field");
        expectError(TrainingData::labelledPairs, "nli.tsv", header, "no training examples");
        expectError(f -> TrainingData.anchoredRows(f, 1), "nli.tsv", header + "가\t나\tentailment\n",
                "no sentence has both an entailment and a contradiction");
    }

    @Test
    void jsonlErrors() throws IOException {
        String pair = "{\"sentence1\": \"가\", \"sentence2\": \"나\", \"score\": 0.5}\n";
        expectError(TrainingData::scoredPairs, "p.jsonl", pair + "{\"sentence1\": \"가\", \"sentence2\": \"나\", "
                + "\"score\": 1.2}\n", ":2: \"score\" 1.2 is outside 0..1");
        expectError(TrainingData::scoredPairs, "p.jsonl", pair + "{\"sentence1\": \"가\", \"score\": 1}\n",
                ":2: fields [sentence1, score] differ from line 1's [sentence1, sentence2, score]");
        expectError(TrainingData::scoredPairs, "p.jsonl", pair + "{\"sentence1\": \"가\"\n", ":2: not valid JSON");
        expectError(TrainingData::scoredPairs, "p.jsonl", "[1, 2]\n", ":1: expected one JSON object a line");
        expectError(TrainingData::scoredPairs, "p.jsonl", "{\"sentence1\": \"가\", \"sentence2\": \"나\"}\n",
                ":1: no \"label\" or \"score\" field");
        expectError(TrainingData::scoredPairs, "p.jsonl", "{\"sentence1\": \"가\", \"sentence2\": 3, \"score\": 1}\n",
                ":1: \"sentence2\" must be a string");
        expectError(TrainingData::scoredPairs, "p.jsonl", "{\"id\": \"7\", \"s1\": \"가\", \"s2\": \"나\", \"score\": 1}\n",
                ":1: found 3 text columns [id, s1, s2], this loss takes exactly 2");
        expectError(TrainingData::scoredPairs, "p.jsonl", "\n\n", "no training examples");
        expectError(TrainingData::labelledPairs, "l.jsonl", "{\"premise\": \"가\", \"hypothesis\": \"나\", "
                + "\"label\": 1.5}\n", ":1: \"label\" must be a class id (an integer from 0), found 1.5");
        expectError(TrainingData::labelledPairs, "l.jsonl", "{\"premise\": \"가\", \"hypothesis\": \"나\", "
                + "\"label\": \"entailment\"}\n", "must be a class id");
        expectError(f -> TrainingData.anchoredRows(f, 0), "t.jsonl", "{\"anchor\": \"가\", \"positive\": \"나\", "
                + "\"label\": 1}\n", ":1: \"label\": MultipleNegativesRankingLoss takes");
        expectError(f -> TrainingData.anchoredRows(f, 0), "t.jsonl", "{\"anchor\": \"가\"}\n",
                "found 1 text column [anchor], this loss takes 2 or more");
    }

    private void expectError(Function<Path, TrainingData> reader, String name, String content, String message)
            throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> reader.apply(file)), file.toString());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> reader.apply(file)), message);
    }

    private static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    /** SHA-256 of the examples, one line each: texts and the label (as a double's shortest decimal), tab-separated. */
    private static String digest(TrainingData data) {
        String text = data.examples().stream()
                .map(e -> data.numLabels() == 0 && data.columns().size() == 3 ? String.join("\t", e.texts())
                        : String.join("\t", e.texts()) + "\t" + Double.toString(e.label()))
                .collect(Collectors.joining("\n"));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
