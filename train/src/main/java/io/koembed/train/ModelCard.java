package io.koembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.PythonFloat;
import io.koembed.eval.StsEvaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The record of a training run, and the README.md model card made from it, laid out as sentence-transformers lays
 * out the cards of the models it trains: YAML front matter for the Hub (base model, tags, the evaluation as a
 * model-index), then the model's details and modules, usage, the evaluation before and after training, the training
 * data with samples, the loss, the hyper-parameters under transformers' names, the training log and the versions.
 * The {@link Trainer} fills it in; {@link ModelWriter} writes it into the model folder.
 *
 * @param baseModel    the model training started from: a Hub id, or its folder (a Hub cache snapshot folder is
 *                     shown as its id and revision)
 * @param data         the training data
 * @param loss         the loss, by sentence-transformers' class name, e.g. {@code CoSENTLoss}
 * @param arguments    the hyper-parameters
 * @param dimension    width of the model's sentence embeddings
 * @param maxSeqLength tokens per text the model was trained with (and keeps)
 * @param steps        optimizer steps taken up to the model this card describes
 * @param totalSteps   optimizer steps of the whole run
 * @param seconds      training time up to then
 * @param log          one entry per evaluation / checkpoint, in step order
 * @param before       the evaluation of the base model on the dev set; null without one
 * @param after        the evaluation of this model on the same set; null without one (or not yet evaluated)
 */
public record ModelCard(String baseModel, TrainingData data, String loss, TrainingArguments arguments, int dimension,
                        int maxSeqLength, int steps, int totalSteps, double seconds, List<LogEntry> log,
                        StsEvaluation before, StsEvaluation after) {

    /**
     * A row of the training log.
     *
     * @param epoch        epochs done, fractional
     * @param step         optimizer steps done
     * @param trainingLoss mean loss of the steps since the previous entry
     * @param evaluation   the dev-set evaluation at this step; null without one
     */
    public record LogEntry(double epoch, int step, double trainingLoss, StsEvaluation evaluation) {
    }

    public ModelCard {
        Objects.requireNonNull(baseModel, "baseModel");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(arguments, "arguments");
        log = List.copyOf(log);
    }

    /** A Hub cache snapshot folder: .../models--ORG--NAME/snapshots/REVISION. */
    private static final Pattern HUB_SNAPSHOT = Pattern.compile(".*[/\\\\]models--(.+?)--(.+?)[/\\\\]snapshots[/\\\\]"
            + "([^/\\\\]+)[/\\\\]?");
    private static final Pattern HUB_ID = Pattern.compile("[\\w.-]+/[\\w.-]+");
    private static final int SAMPLES = 3;

    /** The model card of the model in {@code modelDir}, whose module configuration it describes. */
    public String render(Path modelDir) {
        String hubId = null, revision = null;
        Matcher m = HUB_SNAPSHOT.matcher(baseModel);
        if (m.matches()) {
            hubId = m.group(1) + "/" + m.group(2);
            revision = m.group(3);
        } else if (HUB_ID.matcher(baseModel).matches() && !Files.exists(Path.of(baseModel))) {
            hubId = baseModel;
        }
        String similarity = ModelWriter.similarityFunction(
                JsonFiles.readOptionalObject(modelDir.resolve(ModelWriter.ST_CONFIG)));
        String devSet = after != null ? after.name() : before != null ? before.name() : null;
        StringBuilder s = new StringBuilder();

        // front matter: YAML, every string written as a JSON string (valid YAML)
        s.append("---\n");
        if (hubId != null) {
            s.append("base_model: ").append(json(hubId)).append('\n');
        }
        s.append("library_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:\n")
                .append("- sentence-transformers\n- sentence-similarity\n- feature-extraction\n- koembed\n")
                .append("- ").append(json("dataset_size:" + data.examples().size())).append('\n')
                .append("- ").append(json("loss:" + loss)).append('\n');
        if (after != null) {
            s.append("metrics:\n");
            for (String metric : EmbeddingSimilarityEvaluator.METRICS) {
                s.append("- ").append(metric).append('\n');
            }
            s.append("model-index:\n- name: ").append(json(title(hubId))).append('\n')
                    .append("  results:\n  - task:\n      type: semantic-similarity\n      name: Semantic Similarity\n")
                    .append("    dataset:\n      name: ").append(json(devSet)).append("\n      type: ")
                    .append(json(devSet)).append("\n    metrics:\n");
            for (String metric : EmbeddingSimilarityEvaluator.METRICS) {
                s.append("    - type: ").append(metric).append("\n      value: ").append(after.metric(metric))
                        .append("\n      name: ").append(json(metricName(metric))).append('\n');
            }
        }
        s.append("---\n\n");

        s.append("# ").append(title(hubId)).append("\n\n");
        s.append("A [sentence-transformers](https://www.SBERT.net) model fine-tuned from ")
                .append(hubId != null ? "[" + hubId + "](https://huggingface.co/" + hubId + ")" : "`" + baseModel + "`")
                .append(" with KoEmbed (`koembed train`), on ").append(data.description())
                .append(". It maps sentences to ").append(dimension)
                .append("-dimensional vectors, for semantic similarity, search, clustering and classification.\n\n");

        s.append("## Model Details\n\n")
                .append("- **Model type:** Sentence Transformer\n")
                .append("- **Base model:** ").append(hubId != null ? "[" + hubId + "](https://huggingface.co/" + hubId
                        + ")" + (revision != null ? " (revision `" + revision + "`)" : "") : "`" + baseModel + "`")
                .append('\n')
                .append("- **Maximum sequence length:** ").append(maxSeqLength).append(" tokens\n")
                .append("- **Output dimensionality:** ").append(dimension).append('\n')
                .append("- **Similarity function:** ").append(similarity).append('\n')
                .append("- **Training data:** ").append(data.description()).append("\n\n");
        s.append("### Modules\n\n").append(modules(modelDir)).append('\n');

        s.append("## Usage\n\nWith sentence-transformers:\n\n```python\n")
                .append("from sentence_transformers import SentenceTransformer\n\n")
                .append("model = SentenceTransformer(\"path/to/this/model\")\n")
                .append("embeddings = model.encode([")
                .append(sampleTexts().stream().map(ModelCard::json).reduce((a, b) -> a + ", " + b).orElse(""))
                .append("])\nprint(model.similarity(embeddings, embeddings))\n```\n\n")
                .append("With KoEmbed:\n\n```bash\nbin/koembed encode --model path/to/this/model --input sentences.txt\n")
                .append("```\n\n");

        if (before != null || after != null) {
            s.append("## Evaluation\n\n")
                    .append("`EmbeddingSimilarityEvaluator` on ").append(code(devSet));
            if (after != null) {
                s.append(", before training and after step ").append(steps);
            }
            s.append(":\n\n| metric | before | after |\n|:--|--:|--:|\n");
            for (String metric : EmbeddingSimilarityEvaluator.METRICS) {
                s.append("| ").append(metric).append(" | ").append(before == null ? "" : number(before.metric(metric)))
                        .append(" | ").append(after == null ? "" : number(after.metric(metric))).append(" |\n");
            }
            s.append('\n');
        }

        s.append("## Training Details\n\n### Training Data\n\n")
                .append("- Source: ").append(code(String.valueOf(data.source().getFileName()))).append('\n')
                .append("- Size: ").append(String.format(Locale.ROOT, "%,d", data.examples().size()))
                .append(" training examples\n")
                .append("- Columns: ").append(String.join(", ", data.columns().stream().map(ModelCard::code).toList()))
                .append(hasLabels() ? " and " + code(data.labelColumn()) : "").append('\n')
                .append("- Samples:\n\n");
        s.append("  |");
        for (String c : data.columns()) {
            s.append(' ').append(c).append(" |");
        }
        s.append(hasLabels() ? " " + data.labelColumn() + " |\n  |" : "\n  |");
        s.append(":--|".repeat(data.columns().size() + (hasLabels() ? 1 : 0))).append('\n');
        for (TrainingExample e : data.examples().subList(0, Math.min(SAMPLES, data.examples().size()))) {
            s.append("  |");
            for (String t : e.texts()) {
                s.append(' ').append(cell(t)).append(" |");
            }
            s.append(hasLabels() ? " " + labelText(e.label()) + " |\n" : "\n");
        }
        s.append("\n- Loss: `").append(loss).append("`\n\n");

        TrainingArguments a = arguments;
        s.append("### Training Hyper-parameters\n\n")
                .append("Named and printed as in transformers' `TrainingArguments`:\n\n")
                .append("- `num_train_epochs`: ").append(a.epochs()).append('\n')
                .append("- `per_device_train_batch_size`: ").append(a.batchSize()).append('\n')
                .append("- `learning_rate`: ").append(py(a.learningRate())).append('\n')
                .append("- `lr_scheduler_type`: linear\n")
                .append("- `warmup_ratio`: ").append(py(a.warmupRatio())).append('\n')
                .append("- `weight_decay`: ").append(py(a.weightDecay())).append(" (not on biases and LayerNorm weights)\n")
                .append("- `adam_beta1`: 0.9\n- `adam_beta2`: 0.999\n- `adam_epsilon`: 1e-08\n")
                .append("- `max_grad_norm`: ").append(py(a.maxGradNorm())).append('\n')
                .append("- `seed`: ").append(a.seed()).append('\n')
                .append("- `max_seq_length`: ").append(maxSeqLength).append('\n')
                .append("- dropout: ").append(a.dropout() ? "on, at config.json's rates" : "off").append('\n')
                .append("- gradient checkpointing: ").append(a.gradientCheckpointing() ? "on" : "off").append('\n')
                .append("- steps: ").append(steps).append(steps == totalSteps ? "" : " of " + totalSteps)
                .append(String.format(Locale.ROOT, " in %.0f s", seconds)).append("\n\n");

        if (!log.isEmpty()) {
            boolean evaluated = log.stream().anyMatch(e -> e.evaluation() != null);
            s.append("### Training Log\n\n| epoch | step | training loss |")
                    .append(evaluated ? " " + devSet + " spearman_cosine |\n|--:|--:|--:|--:|\n" : "\n|--:|--:|--:|\n");
            for (LogEntry e : log) {
                s.append(String.format(Locale.ROOT, "| %.4f | %d | %.4f |", e.epoch(), e.step(), e.trainingLoss()));
                if (evaluated) {
                    s.append(e.evaluation() == null ? " |" : " " + number(e.evaluation().metric("spearman_cosine"))
                            + " |");
                }
                s.append('\n');
            }
            s.append('\n');
        }

        s.append("### Framework Versions\n\n")
                .append("- KoEmbed: ").append(ModelWriter.koembedVersion()).append('\n')
                .append("- Java: ").append(Runtime.version()).append("\n\n");

        s.append("## Citation\n\nSentence-BERT, whose training objectives and model layout this follows:\n\n")
                .append("```bibtex\n@inproceedings{reimers-2019-sentence-bert,\n")
                .append("  title = \"Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks\",\n")
                .append("  author = \"Reimers, Nils and Gurevych, Iryna\",\n")
                .append("  booktitle = \"Proceedings of the 2019 Conference on Empirical Methods in Natural Language "
                        + "Processing\",\n")
                .append("  year = \"2019\",\n  publisher = \"Association for Computational Linguistics\",\n")
                .append("  url = \"https://arxiv.org/abs/1908.10084\",\n}\n```\n");
        return s.toString();
    }

    /** Writes {@code dir/README.md} (through a temporary file renamed into place). */
    public void write(Path dir) {
        Path file = dir.resolve("README.md");
        try {
            Path tmp = Files.createTempFile(dir, ".README.md.", ".tmp");
            Files.writeString(tmp, render(dir));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    private String title(String hubId) {
        return "Sentence Transformer fine-tuned from " + (hubId != null ? hubId
                : String.valueOf(Path.of(baseModel).getFileName()));
    }

    private boolean hasLabels() {
        return data.labelColumn() != null;
    }

    private String labelText(float label) {
        return data.numLabels() > 0 ? String.valueOf((int) label) : String.valueOf(label);
    }

    private List<String> sampleTexts() {
        List<String> texts = new ArrayList<>();
        if (!data.examples().isEmpty()) {
            for (String t : data.examples().get(0).texts()) {
                texts.add(t.length() > 200 ? t.substring(0, 200) : t);
            }
        }
        return texts;
    }

    /** modules.json's modules in order, each with its folder and configuration. */
    private static String modules(Path modelDir) {
        JsonNode modules = Files.exists(modelDir.resolve("modules.json"))
                ? JsonFiles.readTree(modelDir.resolve("modules.json")) : null;
        if (modules == null || !modules.isArray()) {
            return "No modules.json: a Transformer followed by mean pooling.\n";
        }
        StringBuilder s = new StringBuilder("| # | module | folder | configuration |\n|--:|:--|:--|:--|\n");
        for (JsonNode m : modules) {
            String type = m.path("type").asText();
            String path = m.path("path").asText();
            Path config = modelDir.resolve(path).resolve(path.isEmpty() ? ModelWriter.ST_MODULE_CONFIG : "config.json");
            JsonNode c = JsonFiles.readOptionalObject(config);
            s.append("| ").append(m.path("idx").asText()).append(" | ")
                    .append(code(type.substring(type.lastIndexOf('.') + 1))).append(" | ")
                    .append(path.isEmpty() ? "(top)" : code(path)).append(" | ")
                    .append(c == null || c.isEmpty() ? "" : code(c.toString())).append(" |\n");
        }
        return s.toString();
    }

    private static String metricName(String metric) {
        String[] p = metric.split("_");
        return Character.toUpperCase(p[0].charAt(0)) + p[0].substring(1) + " " + Character.toUpperCase(p[1].charAt(0))
                + p[1].substring(1);
    }

    private static String py(double v) {
        return PythonFloat.repr(v);
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** A string as a JSON string literal: also a valid YAML scalar and a Python string literal. */
    private static String json(String s) {
        try {
            return JsonFiles.mapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String code(String s) {
        return "`" + s.replace("`", "'").replace("|", "\\|") + "`";
    }

    /** Text in a Markdown table cell: one line, pipes escaped, cut to 100 characters. */
    private static String cell(String s) {
        String one = s.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
        return one.length() > 100 ? one.substring(0, 97) + "..." : one;
    }
}
