package io.koembed.weights;

import java.util.Arrays;

/**
 * A tensor of a {@link Checkpoint}: one entry of a safetensors header, or one tensor of a pytorch_model.bin.
 *
 * @param name  the tensor name as stored
 * @param dtype element type
 * @param shape dimensions, outermost first (row-major); empty for a scalar
 * @param begin byte offset of the first element: in a safetensors file relative to the start of the data region,
 *              in a pytorch_model.bin relative to the start of the tensor's storage (its storage offset)
 * @param end   {@code begin} plus the tensor's size in bytes (for a strided PyTorch view, where its elements would
 *              end were it contiguous)
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Size in bytes. */
    public long byteSize() {
        return end - begin;
    }

    /** The shape printed as {@code [768, 768]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString();
    }
}
