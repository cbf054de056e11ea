package io.koembed.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.st.SentenceTransformer;
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
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.Stream;

/**
 * Which model made a set of vectors: a SHA-256 over what decides them, so that an index can refuse queries
 * embedded by another model. Cheap enough to compute at every open (about 1 MiB read for a base model).
 *
 * <p>Hashed, by name, size and content: config.json, modules.json, sentence_bert_config.json, the tokenizer
 * (tokenizer.json or sentencepiece.bpe.model), every file of the module folders modules.json names (Pooling,
 * Dense, Normalize configs and small weights); of model.safetensors its JSON header (tensor names, shapes, dtypes,
 * offsets), its size and its weights: all of them up to 32 MiB, beyond that 16 evenly spaced 64 KiB samples (a
 * fine-tune changes every weight, so samples tell it apart; an edit of a few bytes between samples is not seen);
 * and the embedding dimension. Not hashed: the folder's path, README, prompts and the
 * configured similarity function, none of which change a vector.
 */
public final class ModelFingerprint {
    private static final int SAMPLES = 16;
    private static final int SAMPLE_BYTES = 64 << 10;
    private static final long WHOLE_FILE_LIMIT = 32L << 20;
    private static final Map<SentenceTransformer, String> CACHE = new WeakHashMap<>();

    private ModelFingerprint() {}

    /** The fingerprint of a loaded model (computed once per instance). */
    public static String of(SentenceTransformer model) {
        synchronized (CACHE) {
            String f = CACHE.get(model);
            if (f == null) {
                f = of(model.directory(), model.dimension());
                CACHE.put(model, f);
            }
            return f;
        }
    }

    /** The fingerprint of a model directory whose embeddings have {@code dimension} dimensions. */
    public static String of(Path dir, int dimension) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, "koembed-model-fingerprint-v1 dimension=" + dimension);
            for (String name : List.of("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json",
                    "sentencepiece.bpe.model")) {
                hashFile(md, dir, name);
            }
            for (String module : modulePaths(dir)) {
                Path m = dir.resolve(module);
                if (Files.isDirectory(m)) {
                    List<Path> files;
                    try (Stream<Path> s = Files.walk(m)) {
                        files = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
                    }
                    for (Path f : files) {
                        hashFile(md, dir, dir.relativize(f).toString().replace('\\', '/'));
                    }
                }
            }
            hashSafetensors(md, dir.resolve("model.safetensors"));
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint the model at " + dir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> modulePaths(Path dir) throws IOException {
        Path modules = dir.resolve("modules.json");
        List<String> out = new ArrayList<>();
        if (Files.isRegularFile(modules)) {
            JsonNode root = new ObjectMapper().readTree(modules.toFile());
            if (root != null && root.isArray()) {
                for (JsonNode m : root) {
                    String p = m.path("path").asText("");
                    if (!p.isEmpty() && !p.contains("..")) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    private static void hashFile(MessageDigest md, Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            update(md, "absent " + name);
            return;
        }
        long size = Files.size(f);
        update(md, "file " + name + " " + size);
        if (size <= WHOLE_FILE_LIMIT) {
            md.update(Files.readAllBytes(f));
        } else {
            sample(md, f, 0, size);
        }
    }

    private static void hashSafetensors(MessageDigest md, Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            update(md, "absent model.safetensors");
            return;
        }
        long size = Files.size(f);
        update(md, "safetensors " + size);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLength = len.flip().getLong();
            if (headerLength < 0 || headerLength > Math.min(size - 8, 100_000_000L)) {
                update(md, "bad header");
                sample(md, f, 0, size);
                return;
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(ch, header, 8);
            md.update(header.flip());
            if (size <= WHOLE_FILE_LIMIT) {
                ByteBuffer all = ByteBuffer.allocate((int) (size - 8 - headerLength));
                readFully(ch, all, 8 + headerLength);
                md.update(all.flip());
            } else {
                sample(md, f, 8 + headerLength, size);
            }
        }
    }

    /** SAMPLES evenly spaced blocks of [from, to), or all of it if that is smaller. */
    private static void sample(MessageDigest md, Path f, long from, long to) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long length = to - from;
            if (length <= (long) SAMPLES * SAMPLE_BYTES) {
                ByteBuffer all = ByteBuffer.allocate((int) length);
                readFully(ch, all, from);
                md.update(all.flip());
                return;
            }
            ByteBuffer block = ByteBuffer.allocate(SAMPLE_BYTES);
            for (int i = 0; i < SAMPLES; i++) {
                long at = from + (length - SAMPLE_BYTES) * i / (SAMPLES - 1);
                block.clear();
                readFully(ch, block, at);
                md.update(block.flip());
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            at += n;
        }
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
