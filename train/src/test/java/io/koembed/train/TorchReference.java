package io.koembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Fixtures;
import io.koembed.JsonFiles;
import io.koembed.tokenize.common.Encoding;
import io.koembed.weights.Checkpoint;
import io.koembed.weights.Safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The PyTorch reference of the training tests: what {@code train/src/test/python/torch_reference.py} wrote to
 * {@code src/test/resources/torch-reference} (its README says what each file holds and how it was made). Tensors are
 * read through core's {@link Checkpoint}, by the names the fixture's model.safetensors uses; the caller closes them.
 *
 * <pre>{@code
 * TorchReference ref = TorchReference.load();
 * TorchReference.LossCase cosent = ref.lossCase("cosent");
 * try (Checkpoint grads = cosent.gradients()) {
 *     float[] want = grads.readFloats("encoder.layer.0.attention.self.query.weight");
 * }
 * }</pre>
 */
final class TorchReference {

    /** Where the files are, relative to the train module (the tests' working directory). */
    static final Path DIR = Path.of("src/test/resources/torch-reference");

    /** The name of the word-embedding table, whose gradient and AdamW updates are stored as touched rows only. */
    static final String WORD_TABLE = "embeddings.word_embeddings.weight";
    /** The tensor holding those rows (in the order of {@code wordRows}). */
    static final String WORD_ROWS = "word_rows";

    private final JsonNode json;

    private TorchReference(JsonNode json) {
        this.json = json;
    }

    static TorchReference load() {
        Path file = DIR.resolve("reference.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " not found: run the tests from the train module "
                    + "or regenerate it with train/src/test/python/torch_reference.py");
        }
        return new TorchReference(JsonFiles.readObject(file));
    }

    /** reference.json as read, for anything this class has no method for. */
    JsonNode json() {
        return json;
    }

    /**
     * A batch as sentence-transformers runs it: {@code rows.get(i).get(c)} is the token ids (special tokens included)
     * of example i's text in column c; each column is one padded batch through the model.
     */
    record Batch(List<List<int[]>> rows, float[] labels) {

        int examples() {
            return rows.size();
        }

        int columns() {
            return rows.getFirst().size();
        }

        /** Column c's sequences as core's tokenizer output (token type ids 0, as for single texts). */
        List<Encoding> column(int c) {
            List<Encoding> out = new ArrayList<>();
            for (List<int[]> row : rows) {
                int[] ids = row.get(c);
                out.add(new Encoding(ids, new int[ids.length], Collections.nCopies(ids.length, "")));
            }
            return out;
        }

        /** Every sequence, column after column (all of column 0, then column 1, ...), as the Trainer packs them. */
        List<Encoding> columnMajor() {
            List<Encoding> out = new ArrayList<>();
            for (int c = 0; c < columns(); c++) {
                out.addAll(column(c));
            }
            return out;
        }

        private static Batch of(JsonNode entry) {
            List<List<int[]>> rows = new ArrayList<>();
            for (JsonNode row : entry.get("rows")) {
                List<int[]> texts = new ArrayList<>();
                for (JsonNode ids : row) {
                    texts.add(ints(ids));
                }
                rows.add(texts);
            }
            JsonNode labels = entry.get("labels");
            float[] l = new float[labels.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = (float) labels.get(i).asDouble();
            }
            return new Batch(rows, l);
        }
    }

    /**
     * One loss on one batch, dropout off.
     *
     * @param name     "cosent", "cosine", "mnrl", "softmax" (tiny-xlmr-ko) or "cosent-bert" (tiny-bert-ko)
     * @param settings the loss's class and settings as reference.json states them
     * @param wordRows the word-embedding rows the batch uses, ascending: the rows of {@value #WORD_ROWS}
     */
    record LossCase(String name, String fixture, JsonNode settings, Batch batch, double loss, int[] wordRows) {

        Path modelDir() {
            return Fixtures.model(fixture);
        }

        /**
         * Every encoder tensor's gradient by name (the word table as {@value #WORD_ROWS}); per text column C,
         * {@code sentence_embeddings.C} and {@code d_embeddings.C} [examples, dim]; for softmax also the
         * classifier's {@code classifier.weight} and {@code classifier.bias} gradients.
         */
        Checkpoint gradients() {
            return Safetensors.open(DIR.resolve("grads-" + name + ".safetensors"));
        }
    }

    List<String> lossCaseNames() {
        List<String> names = new ArrayList<>();
        json.get("losses").fieldNames().forEachRemaining(names::add);
        return names;
    }

    LossCase lossCase(String name) {
        JsonNode c = json.get("losses").get(name);
        if (c == null) {
            throw new IllegalArgumentException("reference.json has no loss case '" + name + "', only "
                    + lossCaseNames());
        }
        return new LossCase(name, c.get("fixture").asText(), c.get("settings"), Batch.of(c), c.get("loss").asDouble(),
                ints(c.get("word_rows")));
    }

    /** SoftmaxLoss's initial classifier: {@code classifier.weight} [3, 192] and {@code classifier.bias} [3]. */
    Checkpoint softmaxClassifier() {
        return Safetensors.open(DIR.resolve("softmax-classifier.safetensors"));
    }

    /** One CoSENT step of the AdamW run: its batch, the loss, the gradient norm before clipping, the rate used. */
    record Step(int number, Batch batch, double loss, double gradNorm, double lr) {
    }

    /**
     * The AdamW run's settings (CoSENT on tiny-xlmr-ko, clip_grad_norm_, AdamW with weight decay but on biases and
     * LayerNorm, the linear schedule) and its steps.
     */
    record AdamWRun(String fixture, double lr, int warmupSteps, int totalSteps, double beta1, double beta2, double eps,
                    double weightDecay, double maxGradNorm, int[] wordRows, List<Step> steps) {

        Path modelDir() {
            return Fixtures.model(fixture);
        }

        /**
         * Every encoder tensor after step {@code number} (1-based); the word table only as {@value #WORD_ROWS}, the
         * rows in {@link #wordRows()}.
         */
        Checkpoint parametersAfterStep(int number) {
            if (number < 1 || number > steps.size()) {
                throw new IllegalArgumentException("step " + number + " of 1.." + steps.size());
            }
            return Safetensors.open(DIR.resolve("adamw-after-step-" + number + ".safetensors"));
        }

        /** Every encoder tensor after the last step, the whole word table included. */
        Checkpoint parametersAfterLastStep() {
            return Safetensors.open(DIR.resolve("adamw-after-3-steps.safetensors"));
        }
    }

    AdamWRun adamW() {
        JsonNode a = json.get("adamw");
        List<Step> steps = new ArrayList<>();
        for (JsonNode s : a.get("steps")) {
            steps.add(new Step(steps.size() + 1, Batch.of(s), s.get("loss").asDouble(), s.get("grad_norm").asDouble(),
                    s.get("lr").asDouble()));
        }
        return new AdamWRun(a.get("fixture").asText(), a.get("lr").asDouble(), a.get("warmup_steps").asInt(),
                a.get("total_steps").asInt(), a.get("betas").get(0).asDouble(), a.get("betas").get(1).asDouble(),
                a.get("eps").asDouble(), a.get("weight_decay").asDouble(), a.get("max_grad_norm").asDouble(),
                ints(a.get("word_rows")), List.copyOf(steps));
    }

    /** The given rows of a row-major [rows, width] table, one after the other: to compare with {@value #WORD_ROWS}. */
    static float[] gatherRows(float[] table, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(table, rows[i] * width, out, i * width, width);
        }
        return out;
    }

    /** A 2-D tensor as rows, e.g. {@code sentence_embeddings.0} as [examples][dim]. */
    static float[][] matrix(Checkpoint tensors, String name) {
        long[] shape = tensors.info(name).shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException(name + " in " + tensors.path() + " has shape "
                    + tensors.info(name).shapeString() + ", not 2-D");
        }
        float[] flat = tensors.readFloats(name);
        int n = (int) shape[0], width = (int) shape[1];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = array.get(i).asInt();
        }
        return a;
    }
}
