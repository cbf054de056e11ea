package io.koembed.train;

import io.koembed.JsonFiles;
import io.koembed.TextFileException;
import io.koembed.TextFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Training examples read from a file, with the readers for the formats sentence-transformers' training scripts use.
 * Every reader checks the whole file before training starts and names the file and line of the first problem
 * (wrong column count, a score outside its range, an unknown label). Text files are strict UTF-8, lines end in LF,
 * CRLF or CR ({@link TextFiles}); .tsv files are split on tabs with no quote handling.
 *
 * @param source      the file
 * @param description what was read, for the model card ("5,749 KorSTS pairs, scores / 5")
 * @param examples    in file order
 * @param numLabels   distinct class ids for labelled pairs, 0 otherwise
 */
public record TrainingData(Path source, String description, List<TrainingExample> examples, int numLabels) {

    /** sentence-transformers' NLI label ids (training_nli.py). */
    public static final List<String> NLI_LABELS = List.of("contradiction", "entailment", "neutral");

    public TrainingData {
        examples = List.copyOf(examples);
    }

    /**
     * Scored pairs for CoSENT and CosineSimilarity: a KorSTS / STS-B .tsv (genre, filename, year, id, score,
     * sentence1, sentence2; header line optional), score 0..5 divided by 5 as sentence-transformers' STS scripts
     * do; or .jsonl lines {@code {"sentence1", "sentence2", "score"}} with scores already in 0..1.
     */
    public static TrainingData scoredPairs(Path file) {
        List<TrainingExample> out = new ArrayList<>();
        if (isJsonl(file)) {
            forEachJson(file, (line, o) -> {
                float score = number(file, line, o, "score");
                if (!(score >= 0 && score <= 1)) {
                    throw error(file, line, "score " + score + " is outside 0..1 (scale STS scores into 0..1)");
                }
                out.add(TrainingExample.of(score, text(file, line, o, "sentence1"), text(file, line, o, "sentence2")));
            });
            return new TrainingData(file, out.size() + " scored pairs (sentence1, sentence2, score in 0..1)", out, 0);
        }
        List<String> lines = TextFiles.lines(file);
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (i == 0 && f.length > 4 && f[4].equals("score")) {
                continue; // header
            }
            if (lines.get(i).isEmpty() && i == lines.size() - 1) {
                continue;
            }
            if (f.length != 7) {
                throw error(file, i + 1, "expected 7 tab-separated fields (genre, filename, year, id, score, "
                        + "sentence1, sentence2), found " + f.length);
            }
            float score;
            try {
                score = Float.parseFloat(f[4].strip());
            } catch (NumberFormatException e) {
                throw error(file, i + 1, "score '" + f[4] + "' is not a number");
            }
            if (!(score >= 0 && score <= 5)) {
                throw error(file, i + 1, "score " + score + " is outside 0..5");
            }
            out.add(TrainingExample.of(score / 5f, f[5], f[6]));
        }
        return new TrainingData(file, out.size() + " STS pairs (scores / 5)", requireSome(file, out), 0);
    }

    /**
     * Labelled pairs for SoftmaxLoss: a KorNLI .tsv (sentence1, sentence2, gold_label; header line) with labels
     * mapped as sentence-transformers' training_nli.py maps them (contradiction 0, entailment 1, neutral 2); or
     * .jsonl lines {@code {"sentence1", "sentence2", "label"}} with integer labels from 0.
     */
    public static TrainingData labelledPairs(Path file) {
        List<TrainingExample> out = new ArrayList<>();
        if (isJsonl(file)) {
            int[] max = {0};
            forEachJson(file, (line, o) -> {
                JsonNode l = o.get("label");
                if (l == null || !l.canConvertToInt() || !l.isIntegralNumber() || l.asInt() < 0) {
                    throw error(file, line, "\"label\" must be a class id (an integer from 0)");
                }
                max[0] = Math.max(max[0], l.asInt());
                out.add(TrainingExample.of(l.asInt(), text(file, line, o, "sentence1"), text(file, line, o, "sentence2")));
            });
            return new TrainingData(file, out.size() + " labelled pairs", requireSome(file, out), max[0] + 1);
        }
        for (String[] f : nliRows(file)) {
            out.add(TrainingExample.of(NLI_LABELS.indexOf(f[2]), f[0], f[1]));
        }
        return new TrainingData(file, out.size() + " NLI pairs (contradiction 0, entailment 1, neutral 2)",
                requireSome(file, out), NLI_LABELS.size());
    }

    /**
     * (anchor, positive[, negative]) rows for MultipleNegativesRankingLoss: from a KorNLI .tsv, triplets built as
     * sentence-transformers' training_nli_v2.py builds them (every pair in both directions; for each sentence with
     * an entailment and a contradiction, (sentence, an entailment, a contradiction) and (an entailment, sentence, a
     * contradiction), the choices seeded); or .jsonl lines {@code {"anchor", "positive"[, "negative"]}}, all lines
     * with the same fields.
     */
    public static TrainingData anchoredRows(Path file, long seed) {
        List<TrainingExample> out = new ArrayList<>();
        if (isJsonl(file)) {
            forEachJson(file, (line, o) -> {
                List<String> texts = new ArrayList<>(List.of(text(file, line, o, "anchor"), text(file, line, o,
                        "positive")));
                if (o.has("negative")) {
                    texts.add(text(file, line, o, "negative"));
                }
                if (!out.isEmpty() && out.get(0).texts().size() != texts.size()) {
                    throw error(file, line, "every line needs the same fields; line 1 has " + out.get(0).texts().size()
                            + " texts, this one " + texts.size());
                }
                out.add(new TrainingExample(texts, 0f));
            });
            return new TrainingData(file, out.size() + " (anchor, positive" + (out.isEmpty() || out.get(0).texts()
                    .size() == 2 ? "" : ", negative") + ") rows", requireSome(file, out), 0);
        }
        Map<String, Map<String, Set<String>>> bySentence = new LinkedHashMap<>();
        for (String[] f : nliRows(file)) {
            add(bySentence, f[0], f[1], f[2]);
            add(bySentence, f[1], f[0], f[2]);
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Map<String, Set<String>>> e : bySentence.entrySet()) {
            List<String> entailed = List.copyOf(e.getValue().get("entailment"));
            List<String> contradicted = List.copyOf(e.getValue().get("contradiction"));
            if (!entailed.isEmpty() && !contradicted.isEmpty()) {
                out.add(TrainingExample.of(0f, e.getKey(), pick(entailed, random), pick(contradicted, random)));
                out.add(TrainingExample.of(0f, pick(entailed, random), e.getKey(), pick(contradicted, random)));
            }
        }
        return new TrainingData(file, out.size() + " NLI triplets (anchor, entailment, contradiction)",
                requireSome(file, out), 0);
    }

    private static void add(Map<String, Map<String, Set<String>>> m, String a, String b, String label) {
        m.computeIfAbsent(a, k -> {
            Map<String, Set<String>> byLabel = new LinkedHashMap<>();
            for (String l : NLI_LABELS) {
                byLabel.put(l, new LinkedHashSet<>());
            }
            return byLabel;
        }).get(label).add(b);
    }

    private static String pick(List<String> from, SplittableRandom random) {
        return from.get(random.nextInt(from.size()));
    }

    /** The rows of a KorNLI .tsv, label checked. */
    private static List<String[]> nliRows(Path file) {
        List<String> lines = TextFiles.lines(file);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (i == 0 && f.length == 3 && f[2].equals("gold_label")) {
                continue;
            }
            if (lines.get(i).isEmpty() && i == lines.size() - 1) {
                continue;
            }
            if (f.length != 3) {
                throw error(file, i + 1, "expected 3 tab-separated fields (sentence1, sentence2, gold_label), found "
                        + f.length);
            }
            if (!NLI_LABELS.contains(f[2])) {
                throw error(file, i + 1, "unknown label '" + f[2] + "' (expected one of " + NLI_LABELS + ")");
            }
            rows.add(f);
        }
        return requireSome(file, rows);
    }

    private static boolean isJsonl(Path file) {
        return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jsonl");
    }

    private interface JsonLine {
        void accept(int line, JsonNode object);
    }

    private static void forEachJson(Path file, JsonLine body) {
        List<String> lines = TextFiles.lines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode o;
            try {
                o = JsonFiles.mapper().readTree(lines.get(i));
            } catch (JsonProcessingException e) {
                throw error(file, i + 1, "not JSON (" + e.getOriginalMessage() + ")");
            }
            if (o == null || !o.isObject()) {
                throw error(file, i + 1, "expected a JSON object");
            }
            body.accept(i + 1, o);
        }
    }

    private static String text(Path file, int line, JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw error(file, line, "\"" + field + "\" is missing or not a string");
        }
        return n.asText();
    }

    private static float number(Path file, int line, JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isNumber()) {
            throw error(file, line, "\"" + field + "\" is missing or not a number");
        }
        return n.floatValue();
    }

    private static <T> List<T> requireSome(Path file, List<T> rows) {
        if (rows.isEmpty()) {
            throw new TextFileException(file.toString(), "no training examples in the file");
        }
        return rows;
    }

    private static TextFileException error(Path file, int line, String problem) {
        return new TextFileException(file + ", line " + line, problem);
    }
}
