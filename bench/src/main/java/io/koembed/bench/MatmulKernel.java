package io.koembed.bench;

/**
 * A linear layer's matrix multiply as the encoder runs it: {@code y[rows][out] = x[rows][in] · Wᵀ}, with W
 * given as a Linear layer stores it ([out][in], row-major). {@link #prepare} may repack W (as an encoder does
 * once at load); only {@link Prepared#apply} is timed.
 */
public interface MatmulKernel {

    String name();

    Prepared prepare(float[] weight, int out, int in);

    interface Prepared {
        /** Overwrites y (length rows * out) with x (length rows * in) times Wᵀ. */
        void apply(float[] x, int rows, float[] y);
    }
}
