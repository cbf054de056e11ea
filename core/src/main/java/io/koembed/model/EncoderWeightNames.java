package io.koembed.model;

import io.koembed.ModelFormatException;
import io.koembed.weights.Checkpoint;
import io.koembed.weights.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where an encoder's tensors are in a checkpoint: the one rule for inference ({@link Encoder}) and training. A
 * tensor named {@code embeddings.x} or {@code encoder.layer.0.x} as transformers' base model names it may be stored
 * as is (sentence-transformers saves the base model) or under the task model's prefix ({@code roberta.},
 * {@code bert.}); old checkpoints call LayerNorm's weight and bias {@code gamma} and {@code beta}.
 */
public final class EncoderWeightNames {

    private EncoderWeightNames() {
    }

    /** The names of layer {@code i}'s tensors start with this. */
    public static String layer(int i) {
        return "encoder.layer." + i + ".";
    }

    /** The name {@code name} is stored under in {@code st}; ModelFormatException naming the file if none. */
    public static String resolve(Checkpoint st, EncoderConfig c, String name) {
        List<String> candidates = new ArrayList<>(List.of(name, c.weightPrefix() + name));
        if (name.endsWith("LayerNorm.weight") || name.endsWith("LayerNorm.bias")) {
            String old = name.endsWith(".weight") ? name.replaceFirst("weight$", "gamma")
                    : name.replaceFirst("bias$", "beta");
            candidates.add(old);
            candidates.add(c.weightPrefix() + old);
        }
        for (String s : candidates) {
            if (st.contains(s)) {
                return s;
            }
        }
        throw ModelFormatException.in(st.path(), "missing tensor '" + name + "' (looked for "
                + String.join(", ", candidates) + ")");
    }

    /** {@link #resolve}, then a check that the tensor has the shape config.json implies. */
    public static String checked(Checkpoint st, EncoderConfig c, String name, long... expected) {
        String stored = resolve(st, c, name);
        TensorInfo t = st.info(stored);
        if (!Arrays.equals(t.shape(), expected)) {
            throw ModelFormatException.in(st.path(), "tensor '" + stored + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(expected) + " for the config.json of this model");
        }
        return stored;
    }
}
