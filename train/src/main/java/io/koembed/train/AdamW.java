package io.koembed.train;

import io.koembed.tensor.Parallel;

import java.util.ArrayList;
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

    /**
     * One step at learning rate {@code lr} with the gradients the parameters hold, in slices of at most a million
     * elements on the shared pool (a real vocabulary's embedding table alone has 192 million).
     */
    public void step(double lr) {
        List<Slice> slices = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                State s = state.computeIfAbsent(p, q -> new State(q.size()));
                s.step++;
                for (int from = 0; from < p.size(); from += SLICE) {
                    slices.add(new Slice(p, s, from, Math.min(p.size(), from + SLICE)));
                }
            }
        }
        Parallel pool = Parallel.shared();
        pool.forRange(slices.size(), pool.threads(), 1, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                update(slices.get(i), lr);
            }
        });
    }

    private static final int SLICE = 1 << 20;

    private record Slice(Parameter p, State s, int from, int to) {
    }

    private void update(Slice slice, double lr) {
        Parameter p = slice.p();
        State s = slice.s();
        float[] x = p.value(), g = p.grad(), m = s.m, v = s.v;
        float decay = p.decays() ? (float) (1 - lr * weightDecay) : 1f;
        double bc1 = 1 - Math.pow(beta1, s.step), bc2 = 1 - Math.pow(beta2, s.step);
        float stepSize = (float) (lr / bc1), bc2Sqrt = (float) Math.sqrt(bc2);
        // torch turns each Python-float scalar into float32 as it applies it: 1 - β is taken in double first
        // (1 - 0.999f in float would be 0.00099998713, 1.3e-5 off, and v̂ with it)
        float b1 = (float) beta1, b2 = (float) beta2, e = (float) eps;
        float a1 = (float) (1 - beta1), a2 = (float) (1 - beta2);
        for (int i = slice.from(); i < slice.to(); i++) {
            x[i] *= decay;
            m[i] = b1 * m[i] + a1 * g[i];
            v[i] = b2 * v[i] + a2 * g[i] * g[i];
            x[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / bc2Sqrt + e);
        }
    }
}
