package io.koembed.tensor;

import java.lang.System.Logger.Level;

/** Picks the {@link TensorOps} once per JVM: Panama if it can be loaded, else scalar with a warning. */
final class Provider {
    private Provider() {}

    static final TensorOps BEST = lookup();

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
