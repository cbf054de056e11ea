package io.koembed.train;

import java.util.Arrays;

/**
 * One trainable tensor: its values and the gradient that backward passes add into, both row-major float32, under
 * the name it has (and will be saved with) in model.safetensors, e.g.
 * {@code encoder.layer.0.attention.self.query.weight}.
 *
 * <p>Whether AdamW's weight decay applies follows transformers' Trainer: every weight but biases and LayerNorm
 * parameters ({@link #decays()}).
 */
public final class Parameter {

    private final String name;
    private final long[] shape;
    private final float[] value;
    private final boolean decays;
    private float[] grad;

    /**
     * @param name   the tensor's name in the checkpoint it is saved to
     * @param shape  as safetensors stores it ([out, in] for a Linear weight)
     * @param value  the values, row-major; kept (not copied) and updated in place by the optimizer
     * @param decays whether weight decay applies (false for biases and LayerNorm weights)
     */
    public Parameter(String name, long[] shape, float[] value, boolean decays) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        if (size != value.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + size
                    + " values, got " + value.length);
        }
        this.name = name;
        this.shape = shape.clone();
        this.value = value;
        this.decays = decays;
    }

    /** A parameter named as transformers names it, decaying unless it is a bias or a LayerNorm parameter. */
    public static Parameter named(String name, long[] shape, float[] value) {
        return new Parameter(name, shape, value, decaysByName(name));
    }

    /**
     * transformers' Trainer rule ({@code get_decay_parameter_names}): no weight decay for biases and for the
     * parameters of LayerNorm layers.
     */
    static boolean decaysByName(String name) {
        return !(name.endsWith("bias") || name.contains("LayerNorm") || name.contains("layer_norm"));
    }

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The values, updated in place by the optimizer. */
    public float[] value() {
        return value;
    }

    public int size() {
        return value.length;
    }

    public boolean decays() {
        return decays;
    }

    /**
     * The gradient, allocated (as zeros) on first use: backward passes add into it. A parameter no backward pass
     * reached has none, and the optimizer skips it, as torch skips a parameter whose {@code .grad} is None.
     */
    public float[] grad() {
        if (grad == null) {
            grad = new float[value.length];
        }
        return grad;
    }

    /** Whether any backward pass has reached this parameter since the last {@link #clearGrad}. */
    public boolean hasGrad() {
        return grad != null;
    }

    /** Zeroes the gradient (keeping the array, so that the next step allocates nothing). */
    public void zeroGrad() {
        if (grad != null) {
            Arrays.fill(grad, 0f);
        }
    }

    /** Drops the gradient: the parameter counts as not reached, as torch's {@code zero_grad(set_to_none=True)}. */
    public void clearGrad() {
        grad = null;
    }

    @Override
    public String toString() {
        return "Parameter[" + name + " " + Arrays.toString(shape) + (decays ? "" : ", no decay") + "]";
    }
}
