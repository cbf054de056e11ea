package io.koembed.st;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.weights.Checkpoint;
import java.nio.file.Path;

/**
 * sentence-transformers' Dense module: {@code activation(W·x + b)}, with its config.json (in_features,
 * out_features, bias, activation_function) and weights {@code linear.weight} [out, in] and {@code linear.bias}
 * (in model.safetensors, or pytorch_model.bin in older models).
 *
 * <p>Public so that fine-tuning can read a loaded model's weights ({@link #weight()} and {@link #bias()} are
 * copies) and run this very forward pass over the weights it trains.
 *
 * @param path       the module's folder as modules.json names it, e.g. {@code 2_Dense}
 * @param in         in_features
 * @param out        out_features
 * @param weight     {@code linear.weight}, row-major [out, in]; kept, not copied
 * @param bias       {@code linear.bias} [out]; zeros when the module has none; kept, not copied
 * @param hasBias    whether the module has a bias (config.json's {@code bias})
 * @param activation the activation applied to every output
 */
public record Dense(String path, int in, int out, float[] weight, float[] bias, boolean hasBias,
                    Activation activation) implements VectorModule {

    public Dense {
        if (weight.length != (long) in * out || bias.length != out) {
            throw new IllegalArgumentException("Dense " + path + ": expected a weight of " + out + " x " + in
                    + " and a bias of " + out + ", got " + weight.length + " and " + bias.length + " values");
        }
        if (!hasBias && !allZero(bias)) {
            throw new IllegalArgumentException("Dense " + path + " has no bias, but non-zero bias values were given");
        }
    }

    private static boolean allZero(float[] v) {
        for (float f : v) {
            if (f != 0f) {
                return false;
            }
        }
        return true;
    }

    /** A copy of {@code linear.weight}, row-major [out, in]. */
    @Override
    public float[] weight() {
        return weight.clone();
    }

    /** A copy of {@code linear.bias} (zeros when the module has none). */
    @Override
    public float[] bias() {
        return bias.clone();
    }

    /** The activations sentence-transformers' Dense may be configured with, by their torch class names. */
    public enum Activation {
        IDENTITY("torch.nn.modules.linear.Identity"),
        TANH("torch.nn.modules.activation.Tanh"),
        RELU("torch.nn.modules.activation.ReLU"),
        SIGMOID("torch.nn.modules.activation.Sigmoid");

        final String torchName;

        Activation(String torchName) {
            this.torchName = torchName;
        }

        /** The activation of one value, as inference computes it. */
        public float apply(float x) {
            return switch (this) {
                case IDENTITY -> x;
                case TANH -> (float) Math.tanh(x);
                case RELU -> Math.max(0f, x);
                case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            };
        }
    }

    /** The Dense module in folder {@code path} (as modules.json names it) of the model in {@code modelDir}. */
    static Dense load(Path modelDir, String path) {
        Path dir = modelDir.resolve(path);
        Path configFile = dir.resolve("config.json");
        JsonNode config = JsonFiles.readObject(configFile);
        int in = positiveInt(configFile, config, "in_features");
        int out = positiveInt(configFile, config, "out_features");
        boolean hasBias = config.path("bias").asBoolean(true);
        String act = config.path("activation_function").asText(Activation.TANH.torchName);
        Activation activation = null;
        for (Activation a : Activation.values()) {
            if (a.torchName.equals(act)) {
                activation = a;
            }
        }
        if (activation == null) {
            throw ModelFormatException.in(configFile, "activation_function '" + act + "' is not supported");
        }
        try (Checkpoint st = Checkpoint.open(dir)) {
            float[] w = readChecked(st, "linear.weight", out, in);
            float[] b = hasBias ? readChecked(st, "linear.bias", out) : new float[out];
            return new Dense(path, in, out, w, b, hasBias, activation);
        }
    }

    /** The tensor's values, after checking that its shape is what config.json promises. */
    private static float[] readChecked(Checkpoint st, String name, long... shape) {
        long[] actual = st.info(name).shape();
        if (!java.util.Arrays.equals(actual, shape)) {
            throw ModelFormatException.in(st.path(), "tensor '" + name + "' has shape "
                    + java.util.Arrays.toString(actual) + ", config.json implies " + java.util.Arrays.toString(shape));
        }
        return st.readFloats(name);
    }

    private static int positiveInt(Path file, JsonNode config, String field) {
        JsonNode n = config.get(field);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw ModelFormatException.in(file, "'" + field + "' is missing or not a positive integer");
        }
        return n.asInt();
    }

    @Override
    public float[] apply(float[] x) {
        if (x.length != in) {
            throw new IllegalStateException("Dense expects " + in + " inputs, got " + x.length);
        }
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            float s = 0;
            int row = o * in;
            for (int i = 0; i < in; i++) {
                s += weight[row + i] * x[i];
            }
            y[o] = activation.apply(s + bias[o]);
        }
        return y;
    }

    @Override
    public int outputDimension(int inputDimension) {
        return out;
    }
}
