package io.koembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.JsonFiles;
import io.koembed.weights.Checkpoint;
import io.koembed.weights.DType;
import io.koembed.weights.SafetensorsWriter;
import io.koembed.weights.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a trained model as a complete sentence-transformers directory, which KoEmbed's
 * {@code SentenceTransformer.load} and Python's {@code SentenceTransformer(dir)} both load:
 * <ul>
 *   <li>{@code model.safetensors} with every tensor of the source checkpoint (whatever its format: safetensors,
 *       sharded, pytorch_model.bin), each trained {@link Parameter} replacing the tensor of its name as F32, the
 *       others (e.g. the pooler, which sentence embeddings never reach) copied with their bytes and type;</li>
 *   <li>a module's weights the same way when a parameter names it: {@code 2_Dense/linear.weight} goes into
 *       {@code 2_Dense/model.safetensors};</li>
 *   <li>the source's other files as they are: config.json, the tokenizer files, modules.json, 1_Pooling/, Dense
 *       and Normalize folders; sentence_bert_config.json with the {@code max_seq_length} trained with;
 *       config_sentence_transformers.json with the source's prompts and similarity function, stamped with the
 *       KoEmbed version that wrote it;</li>
 *   <li>README.md, the {@link ModelCard}, when one is given.</li>
 * </ul>
 * Left out: the source's weight files in other formats and its exports (ONNX, OpenVINO, TensorFlow, Flax), which
 * would give other vectors than the trained weights, its model card, and KoEmbed's own {@code checkpoints/} and
 * {@code eval/} folders.
 *
 * <p>Everything is written into a new temporary folder beside the target and renamed into place in one atomic
 * step, so that a crash (or Ctrl-C) while writing leaves no half-written model: the target either does not exist
 * or is complete, and earlier checkpoints are untouched.
 */
public final class ModelWriter {

    /** Top-level entries of the source that are not copied. */
    private static final Set<String> LEFT_OUT = Set.of("README.md", "onnx", "openvino", "tf_model.h5",
            "flax_model.msgpack", "rust_model.ot", "model.onnx", ".cache", "checkpoints", "eval");

    /** Weight files of every format transformers reads, shards and indexes included. */
    private static final Pattern WEIGHTS = Pattern.compile(
            "(model|pytorch_model)(-\\d+-of-\\d+)?\\.(safetensors|bin)(\\.index\\.json)?|model\\.safetensors\\.index\\.json");

    static final String ST_CONFIG = "config_sentence_transformers.json";
    static final String ST_MODULE_CONFIG = "sentence_bert_config.json";

    private ModelWriter() {
    }

    /**
     * @param source       the model training started from
     * @param target       the folder to create; must not exist
     * @param trained      parameters whose values replace the source's tensors of the same name; a name
     *                     {@code DIR/TENSOR} is a tensor of the module in folder DIR
     * @param maxSeqLength written into sentence_bert_config.json; 0 keeps the source's
     * @param card         written as README.md; null for none
     * @throws IllegalArgumentException a target that exists, a parameter the source does not have or has in
     *                                  another shape
     */
    public static void write(Path source, Path target, List<Parameter> trained, int maxSeqLength, ModelCard card) {
        if (Files.exists(target)) {
            throw new IllegalArgumentException(target + " already exists");
        }
        Map<String, Map<String, Parameter>> byFolder = byFolder(source, trained);
        Path parent = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            // a name starting with a dot, unique: a leftover from a crash neither looks like a model nor collides
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            copyFiles(source, tmp, byFolder.keySet());
            for (Map.Entry<String, Map<String, Parameter>> e : byFolder.entrySet()) {
                Path folder = e.getKey().isEmpty() ? source : source.resolve(e.getKey());
                writeWeights(folder, tmp.resolve(e.getKey()).resolve(Checkpoint.SAFETENSORS), e.getValue());
            }
            writeModuleConfig(tmp, maxSeqLength);
            writeSentenceTransformersConfig(source, tmp);
            if (card != null) {
                Files.writeString(tmp.resolve("README.md"), card.render(tmp));
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the model to " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Trainer.deleteTree(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary folder is harmless: its name starts with a dot
                }
            }
        }
    }

    /** Parameters by the folder whose weights they replace ("" = the Transformer's, at the top); always has "". */
    private static Map<String, Map<String, Parameter>> byFolder(Path source, List<Parameter> trained) {
        Map<String, Map<String, Parameter>> byFolder = new LinkedHashMap<>();
        byFolder.put("", new LinkedHashMap<>());
        for (Parameter p : trained) {
            int slash = p.name().lastIndexOf('/');
            String folder = slash < 0 ? "" : p.name().substring(0, slash);
            if (!folder.isEmpty() && !Files.isDirectory(source.resolve(folder))) {
                throw new IllegalArgumentException("parameter " + p.name() + ": " + source + " has no module folder "
                        + folder);
            }
            if (byFolder.computeIfAbsent(folder, f -> new LinkedHashMap<>())
                    .put(p.name().substring(slash + 1), p) != null) {
                throw new IllegalArgumentException("parameter " + p.name() + " given twice");
            }
        }
        return byFolder;
    }

    /** Every tensor of {@code folder}'s checkpoint into {@code file}, the trained ones from their values. */
    private static void writeWeights(Path folder, Path file, Map<String, Parameter> trained) {
        try (Checkpoint in = Checkpoint.open(folder)) {
            SafetensorsWriter out = new SafetensorsWriter();
            for (String name : in.names()) {
                TensorInfo info = in.info(name);
                Parameter p = trained.get(name);
                if (p == null) {
                    out.add(name, info.dtype(), info.shape(), in.bytes(name));
                } else if (!Arrays.equals(p.shape(), info.shape())) {
                    throw new IllegalArgumentException("parameter " + p.name() + " has shape "
                            + Arrays.toString(p.shape()) + ", " + in.path() + " holds " + Arrays.toString(info.shape()));
                } else {
                    out.add(name, DType.F32, p.value(), info.shape());
                }
            }
            List<String> unknown = trained.keySet().stream().filter(n -> !in.contains(n)).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("trained parameters not in " + in.path() + ": " + unknown);
            }
            out.write(file);
        }
    }

    /** The source's files, except those {@link #LEFT_OUT} and the weights of the folders being rewritten. */
    private static void copyFiles(Path source, Path target, Set<String> rewritten) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path rel = source.relativize(f);
                if (rel.toString().isEmpty() || LEFT_OUT.contains(rel.getName(0).toString())) {
                    continue;
                }
                String folder = rel.getParent() == null ? "" : rel.getParent().toString();
                if (rewritten.contains(folder) && WEIGHTS.matcher(rel.getFileName().toString()).matches()) {
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

    private static void writeModuleConfig(Path dir, int maxSeqLength) throws IOException {
        if (maxSeqLength <= 0) {
            return;
        }
        Path file = dir.resolve(ST_MODULE_CONFIG);
        ObjectNode config = Files.exists(file) ? (ObjectNode) JsonFiles.readObject(file)
                : JsonFiles.mapper().createObjectNode();
        config.put("max_seq_length", maxSeqLength);
        writeJson(file, config);
    }

    /**
     * config_sentence_transformers.json: the source's prompts, default prompt and similarity function (cosine when
     * the source leaves it open, as sentence-transformers saves it), with a {@code __version__} naming KoEmbed. No
     * {@code sentence_transformers} version is claimed: sentence-transformers compares that one with its own.
     */
    private static void writeSentenceTransformersConfig(Path source, Path dir) throws IOException {
        JsonNode old = JsonFiles.readOptionalObject(source.resolve(ST_CONFIG));
        ObjectNode config = JsonFiles.mapper().createObjectNode();
        ObjectNode version = config.putObject("__version__");
        version.put("koembed", koembedVersion());
        version.put("java", Runtime.version().toString());
        config.put("model_type", "SentenceTransformer");
        config.set("prompts", old != null && old.path("prompts").isObject() ? old.get("prompts")
                : JsonFiles.mapper().createObjectNode());
        config.set("default_prompt_name", old != null && old.path("default_prompt_name").isTextual()
                ? old.get("default_prompt_name") : null);
        config.put("similarity_fn_name", similarityFunction(old));
        writeJson(dir.resolve(ST_CONFIG), config);
    }

    static String similarityFunction(JsonNode stConfig) {
        return stConfig != null && stConfig.path("similarity_fn_name").isTextual()
                ? stConfig.get("similarity_fn_name").asText() : "cosine";
    }

    static String koembedVersion() {
        String v = ModelWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void writeJson(Path file, JsonNode value) throws IOException {
        Files.deleteIfExists(file); // a copied file may be read-only (a Hub snapshot's blob)
        Files.writeString(file, JsonFiles.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n");
    }
}
