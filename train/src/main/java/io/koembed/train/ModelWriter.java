package io.koembed.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.JsonFiles;
import io.koembed.weights.Checkpoint;
import io.koembed.weights.SafetensorsWriter;
import io.koembed.weights.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes a trained model as a sentence-transformers directory that KoEmbed and Python's
 * {@code SentenceTransformer(dir)} both load: the source directory's files (config.json, tokenizer files,
 * modules.json, 1_Pooling/, sentence_bert_config.json, config_sentence_transformers.json, ...) and a new
 * model.safetensors holding every tensor of the source checkpoint, the trained ones with their new values (likewise
 * in each Dense folder whose weights were trained). The
 * directory is written under a temporary name beside the target and renamed into place, so a crash while writing
 * leaves no half-written model at the target.
 */
public final class ModelWriter {

    /** Weight files and exports of the source that the new model.safetensors replaces (or that would be stale). */
    private static final Set<String> LEFT_OUT = Set.of(Checkpoint.SAFETENSORS, Checkpoint.SAFETENSORS_INDEX,
            Checkpoint.PYTORCH, Checkpoint.PYTORCH_INDEX, "README.md", "onnx", "openvino", "tf_model.h5",
            "flax_model.msgpack", "rust_model.ot", ".cache", ".gitattributes");

    private ModelWriter() {
    }

    /**
     * @param source       the model training started from
     * @param target       must not exist
     * @param trained      parameters whose values replace the source's tensors of the same name; a name with a
     *                     folder ({@code 2_Dense/linear.weight}) is a tensor of that module folder's weights
     * @param maxSeqLength written into sentence_bert_config.json; 0 keeps the source's
     */
    public static void write(Path source, Path target, List<Parameter> trained, int maxSeqLength) {
        if (Files.exists(target)) {
            throw new IllegalArgumentException(target + " already exists");
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Trainer.deleteTree(tmp);
            Files.createDirectories(tmp);
            copyFiles(source, tmp);
            // "2_Dense/linear.weight" belongs in 2_Dense's weight file, an encoder tensor in the top folder's
            Map<String, Map<String, Parameter>> byFolder = new TreeMap<>();
            for (Parameter p : trained) {
                int slash = p.name().lastIndexOf('/');
                byFolder.computeIfAbsent(slash < 0 ? "" : p.name().substring(0, slash), f -> new HashMap<>())
                        .put(p.name().substring(slash + 1), p);
            }
            byFolder.putIfAbsent("", new HashMap<>()); // the top folder's file is always rewritten
            for (Map.Entry<String, Map<String, Parameter>> e : byFolder.entrySet()) {
                Path folder = tmp.resolve(e.getKey());
                if (!e.getKey().isEmpty()) { // the copied weights of a module folder would be stale
                    for (String stale : List.of(Checkpoint.SAFETENSORS, Checkpoint.SAFETENSORS_INDEX,
                            Checkpoint.PYTORCH, Checkpoint.PYTORCH_INDEX)) {
                        if (Files.isRegularFile(folder.resolve(stale))) {
                            Files.delete(folder.resolve(stale));
                        }
                    }
                }
                writeWeights(source.resolve(e.getKey()), e.getValue(), folder.resolve(Checkpoint.SAFETENSORS));
            }
            if (maxSeqLength > 0) {
                Path config = tmp.resolve("sentence_bert_config.json");
                ObjectNode c = Files.exists(config) ? (ObjectNode) JsonFiles.readObject(config)
                        : JsonFiles.mapper().createObjectNode();
                c.put("max_seq_length", maxSeqLength);
                Files.delete(config.toAbsolutePath());
                JsonFiles.mapper().writerWithDefaultPrettyPrinter().writeValue(config.toFile(), c);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the model to " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Trainer.deleteTree(tmp);
            } catch (IOException ignored) {
                // a leftover temporary folder is harmless: its name starts with a dot
            }
        }
    }

    /**
     * Every tensor of the checkpoint in {@code sourceFolder}, the trained ones (by tensor name) with their new
     * values, into {@code file}.
     */
    private static void writeWeights(Path sourceFolder, Map<String, Parameter> trained, Path file) {
        Map<String, Parameter> left = new HashMap<>(trained);
        try (Checkpoint st = Checkpoint.open(sourceFolder)) {
            SafetensorsWriter out = new SafetensorsWriter();
            for (String name : st.names()) {
                Parameter p = left.remove(name);
                TensorInfo info = st.info(name);
                if (p != null) {
                    out.add(name, info.shape(), p.value());
                } else {
                    out.add(name, info.dtype(), info.shape(), st.bytes(name));
                }
            }
            if (!left.isEmpty()) {
                throw new IllegalArgumentException("trained parameters not in " + st.path() + ": " + left.keySet());
            }
            out.write(file);
        }
    }

    private static void copyFiles(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path rel = source.relativize(f);
                if (rel.toString().isEmpty() || LEFT_OUT.contains(rel.getName(0).toString())
                        || rel.getFileName().toString().startsWith("pytorch_model-")
                        || rel.getFileName().toString().startsWith("model-0")) {
                    continue;
                }
                Path to = target.resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to); // follows symlinks: a Hub snapshot's files point into its blobs
                }
            }
        }
    }
}
