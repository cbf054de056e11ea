package io.koembed.model;

import io.koembed.tensor.Kernels;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.WeightPrecision;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.TensorOps;
import io.koembed.tokenize.Encoding;
import io.koembed.weights.Safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A rough, throwaway speed check at the real e5-base-korean size (not a unit test, not JMH): writes a random
 * 12-layer / 768 / 3072 / vocab 250002 XLM-R model to a temp directory (about 1.1 GB, deleted afterwards), times
 * matmuls alone and whole forward passes.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes:$CP \
 *     io.koembed.model.EncoderBenchmark [dir]</pre>
 */
public final class EncoderBenchmark {
    private EncoderBenchmark() {}

    static final int H = 768, I = 3072, LAYERS = 12, VOCAB = 250002, POS = 514;

    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("koembed-bench");
        System.out.println("kernels: " + Kernels.shared() + ", model dir " + dir + ", load average "
                + java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        writeRandomModel(dir);
        try {
            matmulSpeed();
            forwardSpeed(dir);
        } finally {
            if (args.length == 0) {
                Files.deleteIfExists(dir.resolve("model.safetensors"));
                Files.deleteIfExists(dir.resolve("config.json"));
                Files.deleteIfExists(dir);
            }
        }
    }

    static void matmulSpeed() {
        SplittableRandom r = new SplittableRandom(1);
        try (Arena arena = Arena.ofShared(); Parallel one = new Parallel(1)) {
            int[][] shapes = {{640, 768, 768}, {640, 768, 3072}, {640, 3072, 768}, {20, 768, 3072}};
            Kernels[] kernels = {Kernels.shared(), new Kernels(TensorOps.best(), one),
                    new Kernels(TensorOps.scalar(), one)};
            for (int[] s : shapes) {
                int m = s[0], k = s[1], n = s[2];
                float[] a = new float[m * k];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) r.nextDouble(-1, 1);
                }
                MemorySegment w = arena.allocate(4L * n * k, 64);
                for (long i = 0; i < (long) n * k; i++) {
                    w.setAtIndex(Safetensors.F32_LE, i, (float) r.nextDouble(-0.05, 0.05));
                }
                float[] bias = new float[n], c = new float[m * n];
                for (Kernels kern : kernels) {
                    PackedMatrix pw = kern.pack(w, n, k, WeightPrecision.FLOAT32, arena);
                    double flops = 2.0 * m * n * k;
                    int reps = kern.ops().name().equals("scalar") ? 1 : (int) Math.max(3, 2e10 / flops);
                    for (int i = 0; i < Math.min(reps, 5); i++) {
                        kern.matmul(a, m, pw, bias, c); // warm up
                    }
                    long t0 = System.nanoTime(), cpu0 = cpuNanos();
                    for (int i = 0; i < reps; i++) {
                        kern.matmul(a, m, pw, bias, c);
                    }
                    double sec = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - cpu0) / 1e9;
                    System.out.printf("matmul %4d x %4d x %4d  %-32s %6.1f GFLOP/s wall, %5.1f per CPU-second%n",
                            m, k, n, kern, flops * reps / sec / 1e9, flops * reps / cpu / 1e9);
                }
            }
        }
    }

    static void forwardSpeed(Path dir) {
        long t0 = System.nanoTime();
        try (Encoder enc = Encoder.load(dir)) {
            System.out.printf("load: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            SplittableRandom r = new SplittableRandom(2);
            for (int[] shape : new int[][]{{32, 20}, {1, 20}, {4, 128}, {1, 128}}) {
                int batch = shape[0], len = shape[1];
                List<Encoding> in = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    int[] ids = new int[len];
                    ids[0] = 0;
                    for (int i = 1; i < len - 1; i++) {
                        ids[i] = 5 + r.nextInt(VOCAB - 5);
                    }
                    ids[len - 1] = 2;
                    in.add(new Encoding(ids, new int[len], Collections.nCopies(len, "")));
                }
                double flops = forwardFlops(batch, len);
                int warm = batch * len >= 500 ? 2 : 5;
                for (int i = 0; i < warm; i++) {
                    enc.forward(in);
                }
                int reps = Math.max(3, (int) (3e11 / flops));
                long s = System.nanoTime(), cpu0 = cpuNanos();
                for (int i = 0; i < reps; i++) {
                    enc.forward(in);
                }
                double sec = (System.nanoTime() - s) / 1e9 / reps, cpu = (cpuNanos() - cpu0) / 1e9 / reps;
                System.out.printf("forward %2d x %3d tokens: %7.1f ms/batch, %6.1f sentences/s, %5.1f GFLOP/s wall;"
                        + " %5.2f CPU-s/batch, %5.1f GFLOP per CPU-second%n", batch, len, sec * 1e3, batch / sec,
                        flops / sec / 1e9, cpu, flops / cpu / 1e9);
            }
        }
    }

    /** CPU time of the whole process (all threads): robust against other load on the machine. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Multiply-adds × 2 of one forward pass: the 6 matmuls per layer plus attention's two products. */
    static double forwardFlops(int batch, int len) {
        double tokens = (double) batch * len;
        double dense = 2.0 * tokens * (4.0 * H * H + 2.0 * H * I);
        double attention = 2.0 * batch * 2.0 * len * len * H;
        return LAYERS * (dense + attention);
    }

    // ------------------------------------------------------------------ the random model

    static void writeRandomModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "xlm-roberta", "vocab_size": %d, "hidden_size": %d, "num_hidden_layers": %d,
                 "num_attention_heads": 12, "intermediate_size": %d, "max_position_embeddings": %d,
                 "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1, "hidden_act": "gelu",
                 "position_embedding_type": "absolute"}
                """.formatted(VOCAB, H, LAYERS, I, POS));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("embeddings.word_embeddings.weight", new long[]{VOCAB, H});
        shapes.put("embeddings.position_embeddings.weight", new long[]{POS, H});
        shapes.put("embeddings.token_type_embeddings.weight", new long[]{1, H});
        shapes.put("embeddings.LayerNorm.weight", new long[]{H});
        shapes.put("embeddings.LayerNorm.bias", new long[]{H});
        for (int l = 0; l < LAYERS; l++) {
            String p = "encoder.layer." + l + ".";
            for (String m : new String[]{"attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense"}) {
                shapes.put(p + m + ".weight", new long[]{H, H});
                shapes.put(p + m + ".bias", new long[]{H});
            }
            shapes.put(p + "attention.output.LayerNorm.weight", new long[]{H});
            shapes.put(p + "attention.output.LayerNorm.bias", new long[]{H});
            shapes.put(p + "intermediate.dense.weight", new long[]{I, H});
            shapes.put(p + "intermediate.dense.bias", new long[]{I});
            shapes.put(p + "output.dense.weight", new long[]{H, I});
            shapes.put(p + "output.dense.bias", new long[]{H});
            shapes.put(p + "output.LayerNorm.weight", new long[]{H});
            shapes.put(p + "output.LayerNorm.bias", new long[]{H});
        }
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < e.getValue().length; i++) {
                header.append(i > 0 ? "," : "").append(e.getValue()[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + 4 * n).append("]}");
            offset += 4 * n;
        }
        header.append('}');
        while ((header.length() + 8) % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        SplittableRandom r = new SplittableRandom(3);
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(h.length).put(h);
            for (var e : shapes.entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                boolean norm = e.getKey().contains("LayerNorm");
                boolean gamma = norm && e.getKey().endsWith("weight");
                for (long i = 0; i < n; i++) {
                    if (!buf.hasRemaining()) {
                        buf.flip();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        buf.clear();
                    }
                    float v = gamma ? 1f + (float) r.nextDouble(-0.1, 0.1)
                            : (float) (r.nextDouble(-1, 1) * (norm ? 0.1 : 0.04));
                    buf.putFloat(v);
                }
            }
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }
}
