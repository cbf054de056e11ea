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
 */
record Dense(int in, int out, float[] weight, float[] bias, Activation activation) implements VectorModule {

    enum Activation {
        IDENTITY("torch.nn.modules.linear.Identity"),
        TANH("torch.nn.modules.activation.Tanh"),
        RELU("torch.nn.modules.activation.ReLU"),
        SIGMOID("torch.nn.modules.activation.Sigmoid");

        final String torchName;

        Activation(String torchName) {
            this.torchName = torchName;
        }

        float apply(float x) {
            return switch (this) {
                case IDENTITY -> x;
                case TANH -> (float) Math.tanh(x);
                case RELU -> Math.max(0f, x);
                case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            };
        }
    }

    static Dense load(Path dir) {
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
            return new Dense(in, out, w, b, activation);
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
