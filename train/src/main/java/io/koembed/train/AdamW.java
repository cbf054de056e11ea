package io.koembed.train;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch.optim.AdamW, its algorithm step for step: decoupled weight decay ({@code p *= 1 - lr · wd}, only for
 * parameters that {@link Parameter#decays()}, as transformers' Trainer groups them), the moment estimates with bias
 * correction, {@code p -= lr / (1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε)}. A parameter no backward pass reached (no
 * gradient) is skipped, its step count included, as torch skips a parameter whose grad is None. State in float32.
 */
public final class AdamW {

    private static final class State {
        final float[] m, v;
        long step;

        State(int size) {
            m = new float[size];
            v = new float[size];
        }
    }

    private final List<Parameter> parameters;
    private final double beta1, beta2, eps, weightDecay;
    private final Map<Parameter, State> state = new IdentityHashMap<>();

    public AdamW(List<Parameter> parameters, double beta1, double beta2, double eps, double weightDecay) {
        this.parameters = List.copyOf(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** One step at learning rate {@code lr} with the gradients the parameters hold. */
    public void step(double lr) {
        parameters.parallelStream().forEach(p -> {
            if (p.hasGrad()) {
                update(p, lr);
            }
        });
    }

    private void update(Parameter p, double lr) {
        State s;
        synchronized (state) {
            s = state.computeIfAbsent(p, q -> new State(q.size()));
        }
        s.step++;
        float[] x = p.value(), g = p.grad(), m = s.m, v = s.v;
        float decay = p.decays() ? (float) (1 - lr * weightDecay) : 1f;
        double bc1 = 1 - Math.pow(beta1, s.step), bc2 = 1 - Math.pow(beta2, s.step);
        float stepSize = (float) (lr / bc1), bc2Sqrt = (float) Math.sqrt(bc2);
        float b1 = (float) beta1, b2 = (float) beta2, e = (float) eps;
        for (int i = 0; i < x.length; i++) {
            x[i] *= decay;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            x[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / bc2Sqrt + e);
        }
    }
}
