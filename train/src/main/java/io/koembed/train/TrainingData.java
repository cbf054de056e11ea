package io.koembed.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.TextFiles;
import io.koembed.eval.StsDataException;
import io.koembed.eval.StsDataset;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Training examples read from a file, in the forms sentence-transformers' training recipes build them. Every reader
 * reads and checks the whole file before training starts; a problem (wrong column count, a score outside its range,
 * an unknown label, an empty file, text that is not UTF-8) is a {@link TrainingDataException} or
 * {@link io.koembed.TextFileException} naming the file and line.
 *
 * <p>Text files are read as {@link TextFiles} reads every text file (strict UTF-8, LF / CRLF / CR line ends).
 * Tab-separated files (KorSTS, STS-B, KorNLI) are split on tabs with no quote handling: their sentences hold literal
 * {@code "} (Python's {@code csv.QUOTE_NONE}, as the recipes read them).
 *
 * <p>JSON Lines files follow sentence-transformers' rule for a dataset's columns: a field named {@code label} (or,
 * failing that, {@code score}) is the label; every other field is a text column, in the order of the first line.
 * So the field names of sentence-transformers' datasets work as they are ({@code sentence1, sentence2, score} as in
 * stsb; {@code premise, hypothesis, label} as in all-nli pair-class; {@code anchor, positive, negative} as in
 * all-nli triplet), and so does any other name. Every line needs the same fields; blank lines are skipped.
 *
 * @param source      the file
 * @param description what was read, for the model card
 * @param columns     names of the text columns, e.g. {@code [sentence1, sentence2]} or
 *                    {@code [anchor, positive, negative]}
 * @param labelColumn the label's name in the file ({@code score}, {@code label}, {@code gold_label}); null when the
 *                    examples have no label (their {@link TrainingExample#label()} is 0)
 * @param examples    in file order (for KorNLI triplets: in order of each anchor's first appearance)
 * @param numLabels   how many classes the labels are ids of (labelled pairs); 0 otherwise
 */
public record TrainingData(Path source, String description, List<String> columns, String labelColumn,
                           List<TrainingExample> examples, int numLabels) {

    /**
     * The NLI label ids of sentence-transformers' NLI recipes (training_nli.py: contradiction 0, entailment 1,
     * neutral 2). The all-nli dataset on the Hub numbers them differently (entailment 0, neutral 1, contradiction
     * 2); for SoftmaxLoss only consistency matters.
     */
    public static final List<String> NLI_LABELS = List.of("contradiction", "entailment", "neutral");

    public TrainingData {
        columns = List.copyOf(columns);
        examples = List.copyOf(examples);
        for (TrainingExample e : examples) {
            if (e.texts().size() != columns.size()) {
                throw new IllegalArgumentException("an example has " + e.texts().size() + " texts, the data "
                        + columns.size() + " columns " + columns);
            }
        }
    }

    // ---- scored pairs: CoSENTLoss, CosineSimilarityLoss ------------------------------------------------------------

    /**
     * Pairs with a similarity in 0..1, for CoSENTLoss and CosineSimilarityLoss.
     * <ul>
     *   <li>A KorSTS / STS-B .tsv (any name but .jsonl / .json): {@code genre filename year id score sentence1
     *       sentence2} (STS-B's 9 fields too), header line optional, read by core's STS reader; the score, in 0..5,
     *       divided by 5 as sentence-transformers' STS recipes do.</li>
     *   <li>A .jsonl file: two text columns and a {@code score} (or {@code label}) in 0..1, as in
     *       sentence-transformers/stsb.</li>
     * </ul>
     */
    public static TrainingData scoredPairs(Path file) {
        if (isJsonl(file)) {
            Jsonl data = Jsonl.read(file);
            data.requireTextColumns(2, 2);
            data.requireLabel("the similarity, a number in 0..1");
            List<TrainingExample> out = new ArrayList<>();
            for (Jsonl.Row row : data.rows) {
                if (!row.label.isNumber()) {
                    throw TrainingDataException.at(file, row.line, "\"" + data.labelColumn + "\" must be a number "
                            + "in 0..1, found " + abbreviate(row.label.toString()));
                }
                double score = row.label.doubleValue();
                if (!(score >= 0 && score <= 1)) {
                    throw TrainingDataException.at(file, row.line, "\"" + data.labelColumn + "\" " + score
                            + " is outside 0..1 (divide 0..5 STS scores by 5)");
                }
                out.add(new TrainingExample(row.texts, (float) score));
            }
            return new TrainingData(file, out.size() + " scored pairs from " + file.getFileName() + " (columns "
                    + String.join(", ", data.textColumns) + "; " + data.labelColumn + " in 0..1)",
                    data.textColumns, data.labelColumn, out, 0);
        }
        if (StsDataset.Format.of(file) != StsDataset.Format.TSV) {
            throw TrainingDataException.in(file, "a .json file is not a training format: use the KorSTS .tsv layout "
                    + "or .jsonl with sentence1, sentence2, score");
        }
        StsDataset sts;
        try {
            sts = StsDataset.read(file, StsDataset.Format.TSV, StsDataset.Header.DETECT, file.getFileName().toString());
        } catch (StsDataException e) {
            throw new TrainingDataException(e.getMessage(), e);
        }
        // StsDataset keeps no line numbers; in this layout every line after the optional header is one pair
        int headerLines = TextFiles.lines(file).size() - sts.size();
        double[] scores = sts.scores();
        List<TrainingExample> out = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            if (!(scores[i] >= 0 && scores[i] <= 5)) {
                throw TrainingDataException.at(file, i + 1 + headerLines, "score " + scores[i]
                        + " is outside 0..5 (the KorSTS / STS-B gold-score range)");
            }
            // divided in double, then stored as float: Python's float(row["score"]) / 5.0 in a float32 tensor
            out.add(TrainingExample.of((float) (scores[i] / 5.0), sts.sentences1().get(i), sts.sentences2().get(i)));
        }
        return new TrainingData(file, out.size() + " KorSTS / STS-B pairs from " + file.getFileName()
                + " (sentence1, sentence2; score / 5)", List.of("sentence1", "sentence2"), "score", out, 0);
    }

    // ---- labelled pairs: SoftmaxLoss ------------------------------------------------------------------------------

    /**
     * Pairs with a class id, for SoftmaxLoss.
     * <ul>
     *   <li>A KorNLI .tsv: {@code sentence1 sentence2 gold_label}, header line optional, labels mapped by
     *       {@link #NLI_LABELS} as sentence-transformers' training_nli.py maps them.</li>
     *   <li>A .jsonl file: two text columns and an integer {@code label} from 0, as in all-nli pair-class.</li>
     * </ul>
     */
    public static TrainingData labelledPairs(Path file) {
        List<TrainingExample> out = new ArrayList<>();
        if (isJsonl(file)) {
            Jsonl data = Jsonl.read(file);
            data.requireTextColumns(2, 2);
            data.requireLabel("the class id, an integer from 0");
            int max = 0;
            for (Jsonl.Row row : data.rows) {
                if (!row.label.isIntegralNumber() || !row.label.canConvertToInt() || row.label.intValue() < 0) {
                    throw TrainingDataException.at(file, row.line, "\"" + data.labelColumn + "\" must be a class id "
                            + "(an integer from 0), found " + abbreviate(row.label.toString()));
                }
                max = Math.max(max, row.label.intValue());
                out.add(new TrainingExample(row.texts, row.label.intValue()));
            }
            return new TrainingData(file, out.size() + " labelled pairs from " + file.getFileName() + " (columns "
                    + String.join(", ", data.textColumns) + "; " + data.labelColumn + " 0.." + max + ")",
                    data.textColumns, data.labelColumn, out, max + 1);
        }
        for (NliRow row : nliRows(file)) {
            out.add(TrainingExample.of(NLI_LABELS.indexOf(row.label), row.sentence1, row.sentence2));
        }
        return new TrainingData(file, out.size() + " KorNLI pairs from " + file.getFileName()
                + " (sentence1, sentence2; label: contradiction 0, entailment 1, neutral 2)",
                List.of("sentence1", "sentence2"), "gold_label", out, NLI_LABELS.size());
    }

    // ---- anchored rows: MultipleNegativesRankingLoss ----------------------------------------------------------------

    /**
     * (anchor, positive[, negatives...]) rows, for MultipleNegativesRankingLoss.
     * <ul>
     *   <li>A KorNLI .tsv, built into triplets as sentence-transformers' training_nli_v2.py builds them: sentences
     *       stripped of surrounding white space; every pair recorded in both directions under its label; then for
     *       each sentence that has both an entailment and a contradiction, in order of first appearance, two rows:
     *       (sentence, an entailment, a contradiction) and (an entailment, sentence, a contradiction), each choice
     *       drawn at random (seeded here; Python's set order makes the recipe's own draws unrepeatable).</li>
     *   <li>A .jsonl file: two or more text columns (anchor, positive, any hard negatives) and no label, as in
     *       all-nli triplet. A label column is refused: this loss would ignore it, which hides a wrong file.</li>
     * </ul>
     */
    public static TrainingData anchoredRows(Path file, long seed) {
        List<TrainingExample> out = new ArrayList<>();
        if (isJsonl(file)) {
            Jsonl data = Jsonl.read(file);
            data.requireTextColumns(2, Integer.MAX_VALUE);
            if (data.labelColumn != null) {
                throw TrainingDataException.at(file, data.rows.get(0).line, "\"" + data.labelColumn + "\": "
                        + "MultipleNegativesRankingLoss takes (anchor, positive[, negative...]) texts and no label; "
                        + "leave the field out, or use a loss that reads it");
            }
            for (Jsonl.Row row : data.rows) {
                out.add(new TrainingExample(row.texts, 0f));
            }
            return new TrainingData(file, out.size() + " rows from " + file.getFileName() + " (columns "
                    + String.join(", ", data.textColumns) + ")", data.textColumns, null, out, 0);
        }
        Map<String, Map<String, Set<String>>> bySentence = new LinkedHashMap<>();
        for (NliRow row : nliRows(file)) {
            String a = row.sentence1.strip(), b = row.sentence2.strip();
            relate(bySentence, a, b, row.label);
            relate(bySentence, b, a, row.label);
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
        if (out.isEmpty()) {
            throw TrainingDataException.in(file, "no sentence has both an entailment and a contradiction, so no "
                    + "(anchor, positive, negative) triplet can be built");
        }
        return new TrainingData(file, out.size() + " KorNLI triplets from " + file.getFileName() + " (anchor, "
                + "positive: an entailment, negative: a contradiction; built as training_nli_v2.py builds them)",
                List.of("anchor", "positive", "negative"), null, out, 0);
    }

    private static void relate(Map<String, Map<String, Set<String>>> m, String a, String b, String label) {
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

    // ---- KorNLI .tsv --------------------------------------------------------------------------------------------

    private record NliRow(String sentence1, String sentence2, String label) {
    }

    /** The rows of a KorNLI .tsv, each with 3 fields and a known label. */
    private static List<NliRow> nliRows(Path file) {
        List<String> lines = TextFiles.lines(file);
        List<NliRow> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (i == 0 && f.length == 3 && f[2].strip().equals("gold_label")) {
                continue;
            }
            if (f.length != 3) {
                throw TrainingDataException.at(file, i + 1, "found " + f.length + (f.length == 1 ? " field" : " fields")
                        + ", expected 3 separated by tabs (sentence1, sentence2, gold_label)"
                        + (lines.get(i).isEmpty() ? " (empty line)" : ""));
            }
            if (!NLI_LABELS.contains(f[2])) {
                throw TrainingDataException.at(file, i + 1, "unknown label '" + abbreviate(f[2]) + "' (expected "
                        + String.join(", ", NLI_LABELS) + ")");
            }
            rows.add(new NliRow(f[0], f[1], f[2]));
        }
        if (rows.isEmpty()) {
            throw TrainingDataException.in(file, "no training examples (an empty file, or only the header line)");
        }
        return rows;
    }

    // ---- JSON Lines ---------------------------------------------------------------------------------------------

    private static boolean isJsonl(Path file) {
        return StsDataset.Format.of(file) == StsDataset.Format.JSONL;
    }

    /** A JSON Lines file split into text columns and a label column by sentence-transformers' rule. */
    private record Jsonl(Path file, List<String> textColumns, String labelColumn, List<Row> rows) {

        private record Row(int line, List<String> texts, JsonNode label) {
        }

        static Jsonl read(Path file) {
            List<String> lines = TextFiles.lines(file);
            List<String> fields = null, textColumns = null;
            String labelColumn = null;
            int firstLine = 0;
            List<Row> rows = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                int lineNo = i + 1;
                if (lines.get(i).isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = JsonFiles.mapper().readTree(lines.get(i));
                } catch (JsonProcessingException e) {
                    throw TrainingDataException.at(file, lineNo, "not valid JSON: " + e.getOriginalMessage());
                }
                if (o == null || !o.isObject()) {
                    throw TrainingDataException.at(file, lineNo, "expected one JSON object a line, found "
                            + abbreviate(String.valueOf(o)));
                }
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                if (fields == null) {
                    fields = names;
                    firstLine = lineNo;
                    labelColumn = names.contains("label") ? "label" : names.contains("score") ? "score" : null;
                    textColumns = new ArrayList<>(names);
                    textColumns.remove(labelColumn);
                } else if (!new HashSet<>(names).equals(new HashSet<>(fields))) {
                    throw TrainingDataException.at(file, lineNo, "fields " + names + " differ from line " + firstLine
                            + "'s " + fields + " (every line needs the same fields)");
                }
                List<String> texts = new ArrayList<>(textColumns.size());
                for (String column : textColumns) {
                    JsonNode v = o.get(column);
                    if (!v.isTextual()) {
                        throw TrainingDataException.at(file, lineNo, "\"" + column + "\" must be a string (every "
                                + "field but \"label\" / \"score\" is a text column), found " + abbreviate(v.toString()));
                    }
                    texts.add(v.asText());
                }
                rows.add(new Row(lineNo, texts, labelColumn == null ? null : o.get(labelColumn)));
            }
            if (rows.isEmpty()) {
                throw TrainingDataException.in(file, "no training examples (the file is empty)");
            }
            return new Jsonl(file, List.copyOf(textColumns), labelColumn, rows);
        }

        void requireTextColumns(int min, int max) {
            if (textColumns.size() < min || textColumns.size() > max) {
                String wanted = min == max ? "exactly " + min : min + " or more";
                throw TrainingDataException.at(file, rows.get(0).line, "found " + textColumns.size() + " text "
                        + (textColumns.size() == 1 ? "column " : "columns ") + textColumns + ", this loss takes "
                        + wanted + " (every field but \"label\" / \"score\" is a text column)");
            }
        }

        void requireLabel(String what) {
            if (labelColumn == null) {
                throw TrainingDataException.at(file, rows.get(0).line, "no \"label\" or \"score\" field: this loss "
                        + "needs one, " + what);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

}
