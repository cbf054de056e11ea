package io.koembed.tensor;

import java.lang.System.Logger.Level;

/** Picks the {@link TensorOps} once per JVM: Panama if it can be loaded, else scalar with a warning. */
final class Provider {
    private Provider() {}

    static final TensorOps BEST = lookup();

    /** The Vector API ops with every candidate tile, or none where they are not in use. */
    static java.util.List<TensorOps> candidates() {
        if (BEST == ScalarTensorOps.INSTANCE) {
            return java.util.List.of();
        }
        try {
            // by name, as in lookup: this class must link without the incubator module
            Class<?> panama = Class.forName("io.koembed.tensor.PanamaTensorOps");
            int lanes = (int) panama.getDeclaredMethod("lanes").invoke(null);
            var make = panama.getDeclaredConstructor(MatmulTile.class);
            java.util.List<TensorOps> ops = new java.util.ArrayList<>();
            for (MatmulTile tile : MatmulTile.candidates(lanes)) {
                ops.add((TensorOps) make.newInstance(tile));
            }
            return ops;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Vector API kernels were loaded once but not now", e);
        }
    }

    private static TensorOps lookup() {
        System.Logger log = System.getLogger("io.koembed.tensor");
        if ("false".equalsIgnoreCase(System.getProperty("koembed.vector"))) {
            log.log(Level.INFO, "koembed.vector=false: using scalar kernels");
            return ScalarTensorOps.INSTANCE;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            log.log(Level.WARNING, "jdk.incubator.vector is not available; using scalar kernels, which are several"
                    + " times slower. Add the JVM option --add-modules jdk.incubator.vector to use SIMD.");
            return ScalarTensorOps.INSTANCE;
        }
        try {
            // By name, so that this class links even where the incubator module is absent.
            return (TensorOps) Class.forName("io.koembed.tensor.PanamaTensorOps")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            log.log(Level.WARNING, "Vector API kernels unavailable (" + cause + "); using scalar kernels");
            return ScalarTensorOps.INSTANCE;
        }
    }
}
