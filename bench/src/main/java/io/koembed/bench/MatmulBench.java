package io.koembed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GFLOP/s of the linear layers' matrix multiplies: {@code rows} activation rows times the weight shapes of an
 * XLM-R base layer (768→768 for Q, K, V and the attention output, 768→3072 and 3072→768 for the FFN).
 */
public final class MatmulBench {

    /** A weight shape as a Linear layer has it. */
    public record Shape(int in, int out) {
        public String label(int rows) {
            return rows + "×" + in + " · " + in + "×" + out;
        }

        public double flop(int rows) {
            return 2.0 * rows * in * out;
        }

        /** The ORT model bench/scripts/make_model.py writes for this shape. */
        public String onnxFileName() {
            return "matmul_" + in + "x" + out + ".onnx";
        }
    }

    public static final List<Shape> SHAPES = List.of(new Shape(768, 768), new Shape(768, 3072), new Shape(3072, 768));

    private MatmulBench() {}

    /** The same pseudo-random activations for every kernel. */
    public static float[] activations(int rows, int in) {
        SplittableRandom r = new SplittableRandom(42L + in);
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Pseudo-random weights [out][in]. */
    public static float[] weights(int out, int in) {
        SplittableRandom r = new SplittableRandom(7L + out * 31L + in);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * 0.05);
        }
        return w;
    }

    /**
     * GFLOP/s of {@code kernel} on one shape (median of the timed calls, each call repeated for at least
     * {@code seconds}), after checking its result against a double-precision reference.
     */
    public static double kernelGflops(MatmulKernel kernel, Shape shape, int rows, double seconds) {
        float[] w = weights(shape.out, shape.in);
        float[] x = activations(rows, shape.in);
        float[] y = new float[rows * shape.out];
        MatmulKernel.Prepared p = kernel.prepare(w, shape.out, shape.in);
        p.apply(x, rows, y);
        double err = maxRelativeError(x, w, rows, shape, y);
        if (!(err < 1e-2)) {   // loose enough for bf16 and int8 kernels, far below what a wrong index gives
            throw new IllegalStateException(kernel.name() + " on " + shape.label(rows)
                    + ": result differs from the reference (max error " + err + ", relative to the row's |x|·|w|)");
        }
        return timed(() -> p.apply(x, rows, y), shape.flop(rows), seconds);
    }

    /** GFLOP/s of ONNX Runtime's MatMul (X [rows, in] times the initializer W [in, out]). */
    public static double ortGflops(Path onnxFile, Shape shape, int rows, double seconds) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] x = activations(rows, shape.in);
        FloatBuffer xb = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        xb.put(x).rewind();
        try (OrtSession.SessionOptions o = OrtEngine.sessionOptions();
             OrtSession session = env.createSession(onnxFile.toString(), o);
             OnnxTensor input = OnnxTensor.createTensor(env, xb, new long[] {rows, shape.in})) {
            String name = session.getInputNames().iterator().next();
            Map<String, OnnxTensor> feed = Map.of(name, input);
            try (OrtSession.Result r = session.run(feed)) {
                long[] s = ((OnnxTensor) r.get(0)).getInfo().getShape();
                if (s.length != 2 || s[0] != rows || s[1] != shape.out) {
                    throw new IllegalStateException(onnxFile + ": output shape " + java.util.Arrays.toString(s));
                }
            }
            return timed(() -> {
                try (OrtSession.Result r = session.run(feed)) {
                    r.size();
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            }, shape.flop(rows), seconds);
        }
    }

    public static boolean ortModelsPresent(Path modelDir) {
        return SHAPES.stream().allMatch(s -> Files.isRegularFile(modelDir.resolve(s.onnxFileName())));
    }

    private static double timed(Runnable call, double flop, double seconds) {
        for (int i = 0; i < 5; i++) {
            call.run();
        }
        List<Double> times = new ArrayList<>();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (times.size() < 5 || System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            call.run();
            times.add((double) (System.nanoTime() - t0));
        }
        double median = Stats.median(times.stream().mapToDouble(Double::doubleValue).toArray());
        return flop / median;
    }

    private static double maxRelativeError(float[] x, float[] w, int rows, Shape s, float[] y) {
        double worst = 0;
        for (int r = 0; r < rows; r += Math.max(1, rows / 16)) {
            for (int o = 0; o < s.out; o++) {
                double sum = 0, scale = 0;
                for (int i = 0; i < s.in; i++) {
                    double p = (double) x[r * s.in + i] * w[o * s.in + i];
                    sum += p;
                    scale += Math.abs(p);
                }
                double e = Math.abs(sum - y[r * s.out + o]) / Math.max(scale, 1e-30);
                if (!(e <= worst)) {
                    worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                }
            }
        }
        return worst;
    }
}
