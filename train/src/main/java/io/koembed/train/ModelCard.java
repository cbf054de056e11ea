package io.koembed.train;

import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.StsEvaluation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The README.md written beside a trained model, as sentence-transformers writes a model card: YAML front matter for
 * the Hub (base model, library, pipeline tag), then what the model was trained on, with which loss and
 * hyper-parameters, and the evaluation before and after.
 */
public final class ModelCard {

    /** What a training run did; {@code before} / {@code after} are null without a dev set. */
    public record Training(String baseModel, String data, String loss, TrainingArguments arguments, int steps,
                           double seconds, String devSet, StsEvaluation before, StsEvaluation after, int afterStep) {
    }

    private ModelCard() {
    }

    public static String render(Training t) {
        StringBuilder s = new StringBuilder();
        s.append("---\n")
                .append("base_model: ").append(t.baseModel()).append('\n')
                .append("library_name: sentence-transformers\n")
                .append("pipeline_tag: sentence-similarity\n")
                .append("tags:\n- sentence-transformers\n- sentence-similarity\n- feature-extraction\n- koembed\n")
                .append("---\n\n");
        s.append("# Fine-tuned from ").append(t.baseModel()).append("\n\n");
        s.append("Trained with KoEmbed (`koembed train`), which implements sentence-transformers' training loop in "
                + "Java. The directory loads with `SentenceTransformer(path)` in Python and with KoEmbed.\n\n");
        TrainingArguments a = t.arguments();
        s.append("## Training\n\n")
                .append("| | |\n|---|---|\n")
                .append("| data | ").append(t.data()).append(" |\n")
                .append("| loss | ").append(t.loss()).append(" |\n")
                .append("| epochs | ").append(a.epochs()).append(" |\n")
                .append("| batch size | ").append(a.batchSize()).append(" |\n")
                .append("| learning rate | ").append(a.learningRate()).append(" (AdamW, linear schedule) |\n")
                .append("| warm-up ratio | ").append(a.warmupRatio()).append(" |\n")
                .append("| weight decay | ").append(a.weightDecay()).append(" (not on biases and LayerNorm) |\n")
                .append("| max gradient norm | ").append(a.maxGradNorm()).append(" |\n")
                .append("| max sequence length | ").append(a.maxSeqLength() == 0 ? "the base model's"
                        : a.maxSeqLength()).append(" |\n")
                .append("| dropout | ").append(a.dropout() ? "on (config.json's rates)" : "off").append(" |\n")
                .append("| seed | ").append(a.seed()).append(" |\n")
                .append("| steps | ").append(t.steps()).append(String.format(Locale.ROOT, " (%.0f s) |\n",
                        t.seconds()));
        if (t.before() != null && t.after() != null) {
            s.append("\n## Evaluation\n\n")
                    .append("EmbeddingSimilarityEvaluator on ").append(t.devSet())
                    .append(", before training and at the kept checkpoint (step ").append(t.afterStep())
                    .append("):\n\n| metric | before | after |\n|---|---:|---:|\n");
            for (String m : EmbeddingSimilarityEvaluator.METRICS) {
                s.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", m, t.before().metric(m),
                        t.after().metric(m)));
            }
        }
        return s.toString();
    }

    /** Writes {@code dir/README.md}. */
    public static void write(Path dir, Training t) {
        try {
            Files.writeString(dir.resolve("README.md"), render(t));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.resolve("README.md") + ": " + e.getMessage(), e);
        }
    }
}
