package io.koembed.train;

import io.koembed.tensor.Parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/** torch.nn.utils.clip_grad_norm_ over all parameters with a gradient, with the L2 norm. */
public final class GradientClipping {

    private static final int SLICE = 1 << 20;

    private GradientClipping() {
    }

    private record Slice(float[] g, int from, int to) {
    }

    /** The gradients in slices of at most a million elements, to share among the pool's threads. */
    private static List<Slice> slices(List<Parameter> parameters) {
        List<Slice> slices = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                for (int from = 0; from < p.size(); from += SLICE) {
                    slices.add(new Slice(p.grad(), from, Math.min(p.size(), from + SLICE)));
                }
            }
        }
        return slices;
    }

    /** The L2 norm of all gradients together. */
    public static double globalNorm(List<Parameter> parameters) {
        List<Slice> slices = slices(parameters);
        DoubleAdder sq = new DoubleAdder();
        Parallel pool = Parallel.shared();
        pool.forRange(slices.size(), pool.threads(), 1, (i0, i1) -> {
            double local = 0;
            for (int i = i0; i < i1; i++) {
                Slice s = slices.get(i);
                for (int j = s.from(); j < s.to(); j++) {
                    local += (double) s.g()[j] * s.g()[j];
                }
            }
            sq.add(local);
        });
        return Math.sqrt(sq.sum());
    }

    /**
     * Scales every gradient by {@code min(1, maxNorm / (norm + 1e-6))}, as torch does, and returns the norm before
     * clipping.
     */
    public static double clipGlobalNorm(List<Parameter> parameters, double maxNorm) {
        double norm = globalNorm(parameters);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            float c = (float) coefficient;
            List<Slice> slices = slices(parameters);
            Parallel pool = Parallel.shared();
            pool.forRange(slices.size(), pool.threads(), 1, (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    Slice s = slices.get(i);
                    for (int j = s.from(); j < s.to(); j++) {
                        s.g()[j] *= c;
                    }
                }
            });
        }
        return norm;
    }
}
