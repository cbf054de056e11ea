package io.koembed.model;

import io.koembed.Fixtures;
import io.koembed.tensor.TensorOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel selection and reproducibility, each checked in a fresh JVM. */
class KernelSelectionTest {

    record Result(int exit, String out, String err) {}

    static Result run(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dkoembed.testdata=" + Fixtures.testdata().toAbsolutePath());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ForwardDigest.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        int exit = p.waitFor();
        return new Result(exit, new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void fallsBackToScalarWithAWarningWithoutTheIncubatorModule() throws Exception {
        Result r = run(List.of("-Xshare:auto"), "forward");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("kernels=scalar"), r.out());
        assertTrue(r.err().contains("jdk.incubator.vector is not available"), r.err());
    }

    @Test
    void propertyForcesScalar() throws Exception {
        Result r = run(List.of("--add-modules", "jdk.incubator.vector", "-Dkoembed.vector=false"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("kernels=scalar"), r.out());
    }

    /**
     * The interpreter and the JIT compiler must compute the same bits: no kernel may use an operation whose
     * rounding is left to the implementation (lane-sum order, vector math library exp).
     */
    @Test
    void resultsDoNotChangeWhenTheJitWarmsUp() throws Exception {
        Result r = run(List.of("--add-modules", "jdk.incubator.vector", "-Xint"), "forward");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("kernels=" + TensorOps.best().name()), r.out());
        try (Encoder e = Encoder.load(Fixtures.model("tiny-xlmr-ko"))) {
            long warm = 0;
            for (int i = 0; i < 30; i++) {
                warm = ForwardDigest.digest(e.forward(ForwardDigest.batch()));
            }
            assertTrue(r.out().contains("digest=" + warm), "interpreted " + r.out() + " vs compiled " + warm);
        }
    }
}
