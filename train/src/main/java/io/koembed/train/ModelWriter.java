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
import java.util.stream.Stream;

/**
 * Writes a trained model as a sentence-transformers directory that KoEmbed and Python's
 * {@code SentenceTransformer(dir)} both load: the source directory's files (config.json, tokenizer files,
 * modules.json, 1_Pooling/, sentence_bert_config.json, config_sentence_transformers.json, ...) and a new
 * model.safetensors holding every tensor of the source checkpoint, the trained ones with their new values. The
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
     * @param trained      parameters whose values replace the source's tensors of the same name
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
            Map<String, Parameter> byName = new HashMap<>();
            for (Parameter p : trained) {
                byName.put(p.name(), p);
            }
            try (Checkpoint st = Checkpoint.open(source)) {
                SafetensorsWriter out = new SafetensorsWriter();
                for (String name : st.names()) {
                    Parameter p = byName.remove(name);
                    TensorInfo info = st.info(name);
                    if (p != null) {
                        out.add(name, io.koembed.weights.DType.F32, p.value(), info.shape());
                    } else {
                        out.add(name, info.dtype(), info.shape(), st.bytes(name));
                    }
                }
                if (!byName.isEmpty()) {
                    throw new IllegalArgumentException("trained parameters not in " + st.path() + ": " + byName.keySet());
                }
                out.write(tmp.resolve(Checkpoint.SAFETENSORS));
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
