package io.koembed.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.classify.EmbeddingClassifier.EmbeddingModel;
import io.koembed.classify.EmbeddingClassifier.Input;
import io.koembed.classify.EmbeddingClassifier.Training;
import io.koembed.st.ModelFingerprint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The JSON layout of a saved {@link EmbeddingClassifier} (format {@code koembed-classifier}, version
 * {@link EmbeddingClassifier#FORMAT_VERSION}): the input kind and feature layout, the labels, the embedding model
 * (path, fingerprint and its scheme, dimension, normalize, prompt), the logistic regression (scaler mean and scale,
 * weights, intercepts) and facts about the training run.
 */
final class ClassifierJson {
    private static final String FORMAT = "koembed-classifier";

    private ClassifierJson() {}

    /** The classifier as a JSON document (pretty-printed; doubles written so that they read back exactly). */
    static String write(EmbeddingClassifier c) {
        Input input = c.input();
        EmbeddingModel model = c.embeddingModel();
        LogisticRegression regression = c.regression();
        Training training = c.training();
        ObjectNode root = JsonFiles.mapper().createObjectNode();
        root.put("format", FORMAT);
        root.put("version", EmbeddingClassifier.FORMAT_VERSION);
        root.put("input", input.name().toLowerCase(Locale.ROOT));
        root.put("features", input == Input.PAIR ? "concat(u, v, |u-v|, u*v)" : "u");
        ArrayNode l = root.putArray("labels");
        c.labels().forEach(l::add);
        ObjectNode m = root.putObject("embedding_model");
        m.put("path", model.path());
        m.put("fingerprint", model.fingerprint());
        m.put("fingerprint_scheme", ModelFingerprint.SCHEME);
        m.put("dimension", model.dimension());
        m.put("normalize", model.normalize());
        if (model.prompt() == null) {
            m.putNull("prompt");
        } else {
            m.put("prompt", model.prompt());
        }
        ObjectNode r = root.putObject("logistic_regression");
        r.put("classes", regression.numClasses());
        r.put("binary_second_against_first", regression.numClasses() == 2);
        putArray(r, "mean", regression.mean());
        putArray(r, "scale", regression.scale());
        ArrayNode w = r.putArray("weights");
        for (double[] row : regression.weights()) {
            ArrayNode a = w.addArray();
            for (double v : row) {
                a.add(v);
            }
        }
        putArray(r, "intercepts", regression.intercepts());
        if (training != null) {
            ObjectNode t = root.putObject("training");
            t.put("examples", training.examples());
            t.put("C", training.c());
            t.put("iterations", training.iterations());
            t.put("converged", training.converged());
            t.put("train_accuracy", training.trainAccuracy());
        }
        try {
            return JsonFiles.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root)
                    + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putArray(ObjectNode node, String field, double[] values) {
        ArrayNode a = node.putArray(field);
        for (double v : values) {
            a.add(v);
        }
    }

    /** A classifier from its JSON document; what does not fit the layout is an error naming {@code file}. */
    static EmbeddingClassifier read(JsonNode root, Path file) {
        Reader r = new Reader(file);
        if (!FORMAT.equals(root.path("format").asText(null))) {
            throw r.error("not a KoEmbed classifier (\"format\" is not \"" + FORMAT + "\")");
        }
        int version = root.path("version").asInt(-1);
        if (version != EmbeddingClassifier.FORMAT_VERSION) {
            throw r.error("classifier format version " + root.path("version") + " is not supported (this KoEmbed "
                    + "reads version " + EmbeddingClassifier.FORMAT_VERSION + ")");
        }
        Input input = switch (r.text(root, "input")) {
            case "single" -> Input.SINGLE;
            case "pair" -> Input.PAIR;
            default -> throw r.error("\"input\" must be \"single\" or \"pair\"");
        };
        List<String> labels = new ArrayList<>();
        for (JsonNode l : r.array(root, "labels")) {
            labels.add(l.asText());
        }
        if (labels.size() < 2 || new TreeSet<>(labels).size() != labels.size()) {
            throw r.error("\"labels\" must hold at least 2 distinct labels");
        }
        JsonNode m = r.object(root, "embedding_model");
        if (!ModelFingerprint.SCHEME.equals(m.path("fingerprint_scheme").asText(null))) {
            throw r.error("embedding_model.fingerprint_scheme is not " + ModelFingerprint.SCHEME);
        }
        JsonNode prompt = m.get("prompt");
        EmbeddingModel model = new EmbeddingModel(r.text(m, "path"), r.text(m, "fingerprint"), r.integer(m,
                "dimension"), m.path("normalize").asBoolean(false), prompt == null || prompt.isNull() ? null
                : prompt.asText());
        JsonNode lr = r.object(root, "logistic_regression");
        double[][] weights = r.matrix(lr, "weights");
        int features = input == Input.PAIR ? 4 * model.dimension() : model.dimension();
        double[] mean = r.vector(lr, "mean");
        if (mean.length != features) {
            throw r.error("logistic_regression has " + mean.length + " features, the input needs " + features);
        }
        LogisticRegression regression;
        try {
            regression = LogisticRegression.of(labels.size(), mean, r.vector(lr, "scale"), weights,
                    r.vector(lr, "intercepts"), null);
        } catch (IllegalArgumentException e) {
            throw r.error("logistic_regression: " + e.getMessage());
        }
        Training training = null;
        JsonNode t = root.get("training");
        if (t != null && t.isObject()) {
            training = new Training(t.path("examples").asInt(), t.path("iterations").asInt(),
                    t.path("converged").asBoolean(), t.path("train_accuracy").asDouble(), t.path("C").asDouble());
        }
        return new EmbeddingClassifier(input, labels, model, regression, training);
    }

    /** Field access with errors that name the file and the field. */
    private record Reader(Path file) {
        ModelFormatException error(String problem) {
            return ModelFormatException.in(file, problem);
        }

        JsonNode object(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isObject()) {
                throw error("\"" + field + "\" must be an object");
            }
            return v;
        }

        JsonNode array(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isArray()) {
                throw error("\"" + field + "\" must be an array");
            }
            return v;
        }

        String text(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual()) {
                throw error("\"" + field + "\" must be a string");
            }
            return v.asText();
        }

        int integer(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
                throw error("\"" + field + "\" must be a positive integer");
            }
            return v.asInt();
        }

        double[] vector(JsonNode node, String field) {
            JsonNode a = array(node, field);
            double[] out = new double[a.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode v = a.get(i);
                if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                    throw error("\"" + field + "\"[" + i + "] must be a finite number");
                }
                out[i] = v.asDouble();
            }
            return out;
        }

        double[][] matrix(JsonNode node, String field) {
            JsonNode a = array(node, field);
            double[][] out = new double[a.size()][];
            for (int i = 0; i < out.length; i++) {
                if (!a.get(i).isArray()) {
                    throw error("\"" + field + "\"[" + i + "] must be an array");
                }
                double[] row = new double[a.get(i).size()];
                for (int t = 0; t < row.length; t++) {
                    JsonNode v = a.get(i).get(t);
                    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                        throw error("\"" + field + "\"[" + i + "][" + t + "] must be a finite number");
                    }
                    row[t] = v.asDouble();
                }
                out[i] = row;
            }
            return out;
        }
    }
}
