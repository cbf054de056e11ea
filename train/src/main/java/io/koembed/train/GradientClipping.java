package io.koembed.train;

import java.util.List;

/** torch.nn.utils.clip_grad_norm_ over all parameters with a gradient, with the L2 norm. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The L2 norm of all gradients together. */
    public static double globalNorm(List<Parameter> parameters) {
        double sq = 0;
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                for (float g : p.grad()) {
                    sq += (double) g * g;
                }
            }
        }
        return Math.sqrt(sq);
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
            for (Parameter p : parameters) {
                if (p.hasGrad()) {
                    float[] g = p.grad();
                    for (int i = 0; i < g.length; i++) {
                        g[i] *= c;
                    }
                }
            }
        }
        return norm;
    }
}
