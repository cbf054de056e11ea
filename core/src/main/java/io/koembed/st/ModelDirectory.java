package io.koembed.st;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.model.Encoder;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.WeightPrecision;
import io.koembed.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Reads a sentence-transformers model directory once, at load, into plain objects:
 * <ul>
 *   <li>{@code modules.json}: the module chain. Transformer first, then Pooling, then Dense and Normalize in
 *       the listed order. A directory without modules.json is a plain transformers model, which
 *       sentence-transformers wraps with mean pooling; so do we.</li>
 *   <li>the Transformer's folder: {@code sentence_bert_config.json} (max_seq_length, do_lower_case);
 *       {@code config.json} and the weights (the encoder): {@code model.safetensors}, else the shards of
 *       {@code model.safetensors.index.json}, else {@code pytorch_model.bin} or its shards, in transformers' order
 *       ({@code weights.Checkpoint}); the tokenizer as AutoTokenizer picks it ({@code Tokenizer.load}):
 *       {@code tokenizer.json}, else {@code vocab.txt} for a BertTokenizer, else {@code sentencepiece.bpe.model};
 *       {@code tokenizer_config.json} (model_max_length, the tokenizer class, BertTokenizer's options).</li>
 *   <li>the module folders {@code modules.json} lists: {@code 1_Pooling/config.json}, Dense folders
 *       ({@code config.json} and {@code model.safetensors} or {@code pytorch_model.bin}).</li>
 *   <li>{@code config_sentence_transformers.json}: prompts, default_prompt_name, similarity_fn_name.</li>
 * </ul>
 */
final class ModelDirectory {
    private static final String TRANSFORMER = "sentence_transformers.models.Transformer";
    private static final String POOLING = "sentence_transformers.models.Pooling";
    private static final String DENSE = "sentence_transformers.models.Dense";
    private static final String NORMALIZE = "sentence_transformers.models.Normalize";

    private ModelDirectory() {}

    static SentenceTransformer load(Path dir, WeightPrecision weights) {
        if (!Files.isDirectory(dir)) {
            throw ModelFormatException.in(dir, Files.exists(dir) ? "not a directory"
                    : "model directory not found");
        }
        Path modulesFile = dir.resolve("modules.json");
        List<Module> modules = Files.exists(modulesFile) ? readModules(modulesFile)
                : List.of(new Module(TRANSFORMER, ""), new Module(POOLING, null));

        Module first = modules.getFirst();
        if (!first.type.equals(TRANSFORMER)) {
            throw ModelFormatException.in(modulesFile, "the first module must be " + TRANSFORMER
                    + ", found " + first.type);
        }
        Path transformerDir = dir.resolve(first.path);
        // the kernels start compiling now, while the tokenizer and the weights load
        ParallelOps.warmUpAsync(ParallelOps.shared().ops(), weights);
        // The tokenizer loads on a thread of its own while this one loads the weights: the two take a quarter and
        // most of a second for a base model, and the weights' load leaves part of a second core idle.
        FutureTask<Tokenizer> tokenizerLoad = new FutureTask<>(() -> Tokenizer.load(transformerDir));
        Thread.ofPlatform().daemon().name("koembed-tokenizer-load").start(tokenizerLoad);
        Encoder encoder;
        try {
            encoder = Encoder.load(transformerDir, ParallelOps.shared(), weights);
        } catch (RuntimeException | Error e) {
            // the tokenizer's error first, as when the two loaded one after the other
            try {
                tokenizer(tokenizerLoad);
            } catch (RuntimeException | Error tokenizerError) {
                tokenizerError.addSuppressed(e);
                throw tokenizerError;
            }
            throw e;
        }
        Tokenizer tokenizer;
        try {
            tokenizer = tokenizer(tokenizerLoad);
        } catch (RuntimeException | Error e) {
            encoder.close();
            throw e;
        }
        try {
            JsonNode stConfig = JsonFiles.readOptionalObject(transformerDir.resolve("sentence_bert_config.json"));
            int maxSeqLength = maxSeqLength(transformerDir, stConfig, encoder);
            boolean doLowerCase = stConfig != null && stConfig.path("do_lower_case").asBoolean(false);

            Pooling pooling = null;
            List<VectorModule> after = new ArrayList<>();
            for (Module m : modules.subList(1, modules.size())) {
                switch (m.type) {
                    case POOLING -> {
                        if (pooling != null || !after.isEmpty()) {
                            throw ModelFormatException.in(modulesFile, "Pooling must come once, right after the Transformer");
                        }
                        pooling = m.path == null
                                ? new Pooling(encoder.config().hiddenSize(), List.of(Pooling.Mode.MEAN), true)
                                : Pooling.fromConfig(dir.resolve(m.path).resolve("config.json"),
                                        JsonFiles.readObject(dir.resolve(m.path).resolve("config.json")));
                    }
                    case DENSE -> after.add(Dense.load(dir, m.path));
                    case NORMALIZE -> after.add(new Normalize());
                    default -> throw ModelFormatException.in(modulesFile, "module type '" + m.type
                            + "' is not supported (supported: Transformer, Pooling, Dense, Normalize)");
                }
            }
            if (pooling == null) {
                throw ModelFormatException.in(modulesFile, "no Pooling module: KoEmbed needs one to make sentence vectors");
            }
            if (pooling.dimension() != encoder.config().hiddenSize()) {
                throw ModelFormatException.in(dir, "Pooling's word_embedding_dimension " + pooling.dimension()
                        + " differs from the encoder's hidden_size " + encoder.config().hiddenSize());
            }

            Path stFile = dir.resolve("config_sentence_transformers.json");
            JsonNode st = JsonFiles.readOptionalObject(stFile);
            Map<String, String> prompts = new LinkedHashMap<>();
            String defaultPromptName = null;
            Similarity similarity = Similarity.COSINE;
            if (st != null) {
                st.path("prompts").properties().forEach(e -> prompts.put(e.getKey(), e.getValue().asText()));
                JsonNode d = st.get("default_prompt_name");
                if (d != null && !d.isNull()) {
                    defaultPromptName = d.asText();
                    if (!prompts.containsKey(defaultPromptName)) {
                        throw ModelFormatException.in(stFile, "default_prompt_name '" + defaultPromptName
                                + "' is not among the prompts " + prompts.keySet());
                    }
                }
                JsonNode fn = st.get("similarity_fn_name");
                if (fn != null && !fn.isNull()) {
                    try {
                        similarity = Similarity.fromName(fn.asText());
                    } catch (IllegalArgumentException e) {
                        throw ModelFormatException.in(stFile, "similarity_fn_name: " + e.getMessage());
                    }
                }
            }
            return SentenceTransformer.assemble(dir, tokenizer, encoder, maxSeqLength, doLowerCase, pooling,
                    after, prompts, defaultPromptName, similarity);
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    private record Module(String type, String path) {}

    private static List<Module> readModules(Path file) {
        JsonNode root = JsonFiles.readTree(file);
        if (!root.isArray() || root.isEmpty()) {
            throw ModelFormatException.in(file, "expected a non-empty JSON array of modules");
        }
        List<Module> modules = new ArrayList<>();
        for (JsonNode m : root) {
            JsonNode type = m.get("type");
            JsonNode path = m.get("path");
            if (type == null || !type.isTextual() || path == null || !path.isTextual()) {
                throw ModelFormatException.in(file, "module " + modules.size() + " lacks a 'type' or 'path' string");
            }
            String p = path.asText();
            if (p.contains("..") || p.startsWith("/")) {
                throw ModelFormatException.in(file, "module path '" + p + "' leaves the model directory");
            }
            modules.add(new Module(type.asText(), p));
        }
        return modules;
    }

    /**
     * sentence_bert_config.json's max_seq_length; without it, sentence-transformers takes the smaller of the
     * model's max_position_embeddings and the tokenizer's model_max_length. Either way it cannot exceed the
     * positions the encoder has (for RoBERTa-family models that is max_position_embeddings - pad_token_id - 1,
     * e.g. 514 - 2 = 512), where PyTorch would fail with an index error; we cut there instead.
     */
    private static int maxSeqLength(Path transformerDir, JsonNode stConfig, Encoder encoder) {
        int limit = encoder.config().maxSequenceLength();
        JsonNode configured = stConfig == null ? null : stConfig.get("max_seq_length");
        if (configured != null && !configured.isNull()) {
            if (!configured.canConvertToInt() || configured.asInt() < 2) {
                throw ModelFormatException.in(transformerDir.resolve("sentence_bert_config.json"),
                        "max_seq_length must be an integer of at least 2, got " + configured);
            }
            return Math.min(configured.asInt(), limit);
        }
        int max = encoder.config().maxPositionEmbeddings();
        JsonNode tc = JsonFiles.readOptionalObject(transformerDir.resolve("tokenizer_config.json"));
        if (tc != null && tc.path("model_max_length").isNumber()) {
            double tokenizerMax = tc.path("model_max_length").asDouble();
            if (tokenizerMax < max) {
                max = (int) tokenizerMax;
            }
        }
        return Math.min(max, limit);
    }

    /** The loaded tokenizer, or what its load threw, as thrown. */
    private static Tokenizer tokenizer(FutureTask<Tokenizer> load) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return load.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the load finishes soon; the interrupt is kept for the caller
                }
            }
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new IllegalStateException(e.getCause());
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
