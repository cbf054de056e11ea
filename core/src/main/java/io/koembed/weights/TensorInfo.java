package io.koembed.weights;

import java.util.Arrays;

/**
 * One entry of a safetensors header.
 *
 * @param name  the tensor name as stored
 * @param dtype element type
 * @param shape dimensions, outermost first (row-major); empty for a scalar
 * @param begin byte offset of the first element, relative to the start of the data region
 * @param end   byte offset one past the last element, relative to the start of the data region
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
