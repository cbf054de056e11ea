package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static io.koembed.cli.CliTestSupport.TESTDATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.classify.EmbeddingClassifier;
import io.koembed.classify.LabeledData;
import io.koembed.classify.LabeledExample;
import io.koembed.st.ModelFingerprint;
import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * classify train / predict end to end on the tiny fixture model with a few hundred KorNLI rows. The fixture's
 * weights are random, so the accuracy is near chance; these tests check the pipeline, not the number.
 */
class ClassifyCliTest {
    static final Path KORNLI = TESTDATA.resolve("../data/kornli");

    @TempDir
    static Path shared;

    static Path train;
    static Path test;
    static Path classifier;
    static CliTestSupport.Result trained;

    /** The first 240 rows of KorNLI dev to train on, the first 150 of KorNLI test to predict; trained once. */
    @BeforeAll
    static void trainOnce() throws IOException {
        train = shared.resolve("dev-240.tsv");
        test = shared.resolve("test-150.tsv");
        Files.write(train, Files.readAllLines(KORNLI.resolve("xnli.dev.ko.tsv")).subList(0, 241),
                StandardCharsets.UTF_8);
        Files.write(test, Files.readAllLines(KORNLI.resolve("xnli.test.ko.tsv")).subList(0, 151),
                StandardCharsets.UTF_8);
        classifier = shared.resolve("nli.json");
        trained = CliTestSupport.run("classify", "train", "--model", MODEL.toString(), "--train", train.toString(),
                "--out", classifier.toString());
    }

    @TempDir
    Path tmp;

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void trainSavesAClassifierThatRemembersItsModel() throws IOException {
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.err().contains("trained on 240 pairs, labels [contradiction, entailment, neutral]"),
                trained.err());
        JsonNode json = CliTestSupport.JSON.readTree(classifier.toFile());
        assertEquals("pair", json.get("input").asText());
        assertEquals("concat(u, v, |u-v|, u*v)", json.get("features").asText());
        assertEquals(ModelFingerprint.of(MODEL), json.get("embedding_model").get("fingerprint").asText());
        assertEquals(MODEL.toAbsolutePath().normalize().toString(), json.get("embedding_model").get("path").asText());
        assertEquals(64, json.get("embedding_model").get("dimension").asInt());
        assertEquals(4 * 64, json.get("logistic_regression").get("mean").size());
        assertTrue(json.get("training").get("converged").asBoolean());
    }

    @Test
    void predictPrintsLabelsProbabilitiesAndAccuracyAsTheLibraryComputesThem() throws IOException {
        CliTestSupport.Result r = CliTestSupport.run("classify", "predict", "--classifier", classifier.toString(),
                "--input", test.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = CliTestSupport.lines(r.out());
        assertEquals(150, out.size());

        List<LabeledExample> data = LabeledData.read(test, LabeledData.Format.KORNLI);
        EmbeddingClassifier c = EmbeddingClassifier.load(classifier);
        List<EmbeddingClassifier.Prediction> expected;
        try (SentenceTransformer st = SentenceTransformer.load(MODEL)) {
            expected = c.predict(data, c.embedderFor(st, 32));
        }
        int correct = 0;
        for (int i = 0; i < out.size(); i++) {
            JsonNode o = out.get(i);
            assertEquals(expected.get(i).label(), o.get("label").asText());
            assertEquals(data.get(i).label(), o.get("gold").asText());
            double[] p = new double[3];
            for (int k = 0; k < 3; k++) {
                p[k] = o.get("probabilities").get(c.labels().get(k)).asDouble();
            }
            assertArrayEquals(expected.get(i).probabilities(), p, 0);
            if (o.get("label").asText().equals(o.get("gold").asText())) {
                correct++;
            }
        }
        Matcher m = Pattern.compile("accuracy (\\d\\.\\d{4}) \\((\\d+)/150\\)").matcher(r.err());
        assertTrue(m.find(), r.err());
        assertEquals(correct, Integer.parseInt(m.group(2)));
        assertEquals(String.format(Locale.ROOT, "%.4f", correct / 150.0), m.group(1));
    }

    @Test
    void aMovedCopyIsAcceptedAnotherModelIsRefused() throws IOException {
        Path copy = tmp.resolve("moved");
        copyTree(MODEL, copy);
        Path one = tmp.resolve("one.tsv");
        Files.write(one, Files.readAllLines(test).subList(0, 4), StandardCharsets.UTF_8);
        CliTestSupport.Result ok = CliTestSupport.run("classify", "predict", "--classifier", classifier.toString(),
                "--input", one.toString(), "--model", copy.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals(3, CliTestSupport.lines(ok.out()).size());

        Path weights = copy.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            long at = Files.size(weights) - 2; // the high bytes of the last float32 weight
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
        CliTestSupport.Result refused = CliTestSupport.run("classify", "predict", "--classifier",
                classifier.toString(), "--input", one.toString(), "--model", copy.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("another model"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertEquals("", refused.out());
    }

    @Test
    void aClassifierWhoseModelIsGoneAsksForModel() throws IOException {
        ObjectNode json = (ObjectNode) CliTestSupport.JSON.readTree(classifier.toFile());
        ((ObjectNode) json.get("embedding_model")).put("path", tmp.resolve("gone").toString());
        Path moved = tmp.resolve("moved.json");
        Files.writeString(moved, json.toPrettyString());
        CliTestSupport.Result r = CliTestSupport.run("classify", "predict", "--classifier", moved.toString(),
                "--input", test.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not there; give --model DIR"), r.err());
    }

    @Test
    void singleTextJsonlTrainingAndTxtPrediction() throws IOException {
        Path data = tmp.resolve("sentiment.jsonl");
        List<String> lines = new ArrayList<>();
        String[] good = {"정말 좋다", "최고의 영화", "아주 만족스럽다", "훌륭한 서비스", "또 오고 싶다", "좋은 하루"};
        String[] bad = {"정말 싫다", "최악의 영화", "너무 불만이다", "형편없는 서비스", "다시는 안 온다", "나쁜 하루"};
        for (int i = 0; i < good.length; i++) {
            lines.add("{\"text\":\"" + good[i] + "\",\"label\":\"pos\"}");
            lines.add("{\"text\":\"" + bad[i] + "\",\"label\":\"neg\"}");
        }
        Files.write(data, lines, StandardCharsets.UTF_8);
        Path out = tmp.resolve("sentiment.json");
        CliTestSupport.Result t = CliTestSupport.run("classify", "train", "-m", MODEL.toString(), "--train",
                data.toString(), "--out", out.toString(), "--c", "10", "--prompt", "query: ");
        assertEquals(0, t.code(), t.err());
        JsonNode saved = CliTestSupport.JSON.readTree(out.toFile());
        assertEquals("single", saved.get("input").asText());
        assertEquals("query: ", saved.get("embedding_model").get("prompt").asText());
        assertEquals(1, saved.get("logistic_regression").get("weights").size(), "binary: one weight row");

        Path txt = tmp.resolve("new.txt");
        Files.write(txt, List.of("좋다", "싫다"), StandardCharsets.UTF_8);
        CliTestSupport.Result p = CliTestSupport.run("classify", "predict", "--classifier", out.toString(), "-i",
                txt.toString());
        assertEquals(0, p.code(), p.err());
        List<JsonNode> predictions = CliTestSupport.lines(p.out());
        assertEquals(2, predictions.size());
        assertFalse(predictions.getFirst().has("gold"));
        assertFalse(p.err().contains("accuracy"), p.err());

        // a pair classifier cannot take single texts
        CliTestSupport.Result wrong = CliTestSupport.run("classify", "predict", "--classifier", classifier.toString(),
                "-i", txt.toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("takes sentence pairs"), wrong.err());
    }

    @Test
    void badDataIsOneLineWithFileAndLine() throws IOException {
        Path bad = tmp.resolve("bad.tsv");
        Files.writeString(bad, "sentence1\tsentence2\tgold_label\n가\t나\tneutral\n가 나 neutral\n");
        Path out = tmp.resolve("x.json");
        CliTestSupport.Result r = CliTestSupport.run("classify", "train", "-m", MODEL.toString(), "--train",
                bad.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("koembed: error: " + bad + ":3: expected 3 tab-separated fields (sentence1, sentence2, "
                + "gold_label), found 1", r.err().strip());
        assertFalse(Files.exists(out));

        Path oneLabel = tmp.resolve("one.jsonl");
        Files.writeString(oneLabel, "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"x\"}\n");
        CliTestSupport.Result single = CliTestSupport.run("classify", "train", "-m", MODEL.toString(), "--train",
                oneLabel.toString(), "--out", out.toString());
        assertEquals(1, single.code());
        assertTrue(single.err().contains("at least 2 distinct labels"), single.err());

        CliTestSupport.Result unknown = CliTestSupport.run("classify", "train", "-m", MODEL.toString(), "--train",
                tmp.resolve("data.csv").toString(), "--out", out.toString());
        assertEquals(2, unknown.code(), "a format to give is a usage error");
        assertTrue(unknown.err().contains("give --format"), unknown.err());

        CliTestSupport.Result txt = CliTestSupport.run("classify", "train", "-m", MODEL.toString(), "--train",
                bad.toString(), "--format", "txt", "--out", out.toString());
        assertEquals(2, txt.code());
        assertTrue(txt.err().contains("no labels"), txt.err());

        CliTestSupport.Result none = CliTestSupport.run("classify");
        assertEquals(2, none.code());
    }
}
