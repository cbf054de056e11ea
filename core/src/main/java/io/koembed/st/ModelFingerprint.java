package io.koembed.st;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.weights.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A short identity of a sentence-transformers model directory, so that a classifier trained on its embeddings can
 * refuse another model's: {@code "sha256:<hex>"} over
 * <ul>
 *   <li>{@code modules.json} and {@code config_sentence_transformers.json} at the top, and</li>
 *   <li>in each module's folder (the folders {@code modules.json} lists; just the top folder without it):
 *       {@code config.json}, {@code sentence_bert_config.json}, {@code tokenizer.json},
 *       {@code sentencepiece.bpe.model}, {@code tokenizer_config.json} whole, and the weight files the model loads
 *       ({@link Checkpoint#files}): of a {@code .safetensors} file its size, its header (the tensor names, shapes
 *       and offsets) and 64 samples of 64 KiB spread evenly over the tensor data (all of it when that is at most
 *       4 MiB); a shard index whole; a {@code pytorch_model.bin} (or shard) by its size and 64 such samples of the
 *       whole file. A directory with model.safetensors fingerprints exactly as before pytorch_model.bin and shards
 *       were read.</li>
 * </ul>
 * Each file enters with its relative path and size; absent files are skipped (their absence is part of the
 * identity). Sampling keeps this fast on a 1 GB model while still telling apart fine-tunes of the same
 * architecture (fine-tuning changes practically every weight); it cannot notice an edit confined to unsampled
 * bytes. Moving or copying the directory keeps the fingerprint.
 */
public final class ModelFingerprint {
    /** Names this scheme in saved files, so that a later scheme can be told apart. */
    public static final String SCHEME = "koembed-fingerprint-v1";

    private static final List<String> MODULE_FILES = List.of("config.json", "sentence_bert_config.json",
            "tokenizer.json", "sentencepiece.bpe.model", "tokenizer_config.json");
    private static final int SAMPLES = 64;
    private static final int SAMPLE_BYTES = 64 * 1024;

    /** Fingerprints of loaded models: hashing samples a gigabyte file, not worth repeating per call. */
    private static final java.util.Map<SentenceTransformer, String> LOADED = new java.util.WeakHashMap<>();

    private ModelFingerprint() {}

    /** The fingerprint of a loaded model's directory, computed once per model object. */
    public static String of(SentenceTransformer model) {
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(model, m -> of(m.directory()));
        }
    }

    public static String of(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw ModelFormatException.in(dir, "model directory not found");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try {
            sha.update(SCHEME.getBytes(StandardCharsets.UTF_8));
            List<String> moduleDirs = new ArrayList<>();
            Path modules = dir.resolve("modules.json");
            if (Files.exists(modules)) {
                for (JsonNode m : modulesArray(modules)) {
                    String p = m.path("path").asText("");
                    if (!moduleDirs.contains(p)) {
                        moduleDirs.add(p);
                    }
                }
            }
            if (moduleDirs.isEmpty()) {
                moduleDirs.add("");
            }
            whole(sha, dir, "modules.json");
            whole(sha, dir, "config_sentence_transformers.json");
            for (String m : moduleDirs) {
                for (String f : MODULE_FILES) {
                    whole(sha, dir, join(m, f));
                }
                Path moduleDir = dir.resolve(m);
                for (Path f : Checkpoint.files(moduleDir)) {
                    String name = join(m, moduleDir.relativize(f).toString());
                    String file = f.getFileName().toString();
                    if (file.endsWith(".safetensors")) {
                        safetensors(sha, dir, name);
                    } else if (file.endsWith(".json")) {
                        whole(sha, dir, name);
                    } else {
                        sampled(sha, dir, name);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the model files: " + e.getMessage(), e);
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static JsonNode modulesArray(Path modules) {
        JsonNode node;
        try {
            node = JsonFiles.mapper().readTree(Files.readAllBytes(modules));
        } catch (IOException e) {
            throw ModelFormatException.in(modules, "cannot read: " + e.getMessage(), e);
        }
        if (node == null || !node.isArray()) {
            throw ModelFormatException.in(modules, "expected a JSON array of modules");
        }
        return node;
    }

    private static String join(String module, String file) {
        return module.isEmpty() ? file : module + "/" + file;
    }

    private static void entry(MessageDigest sha, String name, long size) {
        sha.update((name + "\0" + size + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private static void whole(MessageDigest sha, Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (Files.isRegularFile(f)) {
            byte[] bytes = Files.readAllBytes(f);
            entry(sha, name, bytes.length);
            sha.update(bytes);
        }
    }

    private static void safetensors(MessageDigest sha, Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            entry(sha, name, size);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLength = len.flip().getLong();
            if (size < 8 || headerLength < 0 || headerLength > size - 8 || headerLength > Integer.MAX_VALUE) {
                throw ModelFormatException.in(f, "not a safetensors file (header length " + headerLength
                        + ", file size " + size + ")");
            }
            sha.update(len.flip());
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(ch, header, 8);
            sha.update(header.flip());
            samples(sha, ch, 8 + headerLength, size);
        }
    }

    /** A file of another format (pytorch_model.bin): its size and samples of all its bytes. */
    private static void sampled(MessageDigest sha, Path dir, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.READ)) {
            entry(sha, name, ch.size());
            samples(sha, ch, 0, ch.size());
        }
    }

    /** Bytes {@code start..end}: all of them up to 4 MiB, else 64 samples of 64 KiB spread evenly. */
    private static void samples(MessageDigest sha, FileChannel ch, long start, long end) throws IOException {
        long length = end - start;
        if (length <= (long) SAMPLES * SAMPLE_BYTES) {
            ByteBuffer all = ByteBuffer.allocate((int) length);
            readFully(ch, all, start);
            sha.update(all.flip());
        } else {
            ByteBuffer sample = ByteBuffer.allocate(SAMPLE_BYTES);
            for (int s = 0; s < SAMPLES; s++) {
                long offset = start + (length - SAMPLE_BYTES) * s / (SAMPLES - 1);
                sample.clear();
                readFully(ch, sample, offset);
                sha.update(sample.flip());
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }
}
