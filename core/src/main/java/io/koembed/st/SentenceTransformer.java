package io.koembed.st;

import io.koembed.Progress;
import io.koembed.hub.HubClient;
import io.koembed.model.Encoder;
import io.koembed.tensor.WeightPrecision;
import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence-transformers model loaded from a directory laid out as the Hugging Face Hub ships it
 * (modules.json, config.json, model.safetensors, tokenizer.json, 1_Pooling/config.json, ...).
 *
 * <pre>{@code
 * try (SentenceTransformer model = SentenceTransformer.load(Path.of("e5-base-korean"))) {
 *     float[][] embeddings = model.encode(List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다."));
 *     float[][] scores = model.similarity(embeddings, embeddings);
 * }
 * }</pre>
 *
 * Thread-safe: concurrent {@code encode} calls share the encoder's thread pool.
 */
public final class SentenceTransformer implements AutoCloseable {

    private final Path directory;
    private final Tokenizer tokenizer;
    private final Encoder encoder;
    private final int maxSeqLength;
    private final boolean doLowerCase;
    private final Pooling pooling;
    private final List<VectorModule> afterPooling;
    private final Map<String, String> prompts;
    private final String defaultPromptName;
    private final Similarity similarity;
    private final int dimension;

    private SentenceTransformer(Path directory, Tokenizer tokenizer, Encoder encoder, int maxSeqLength,
                                boolean doLowerCase, Pooling pooling, List<VectorModule> afterPooling,
                                Map<String, String> prompts, String defaultPromptName, Similarity similarity) {
        this.directory = directory;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.maxSeqLength = maxSeqLength;
        this.doLowerCase = doLowerCase;
        this.pooling = pooling;
        this.afterPooling = List.copyOf(afterPooling);
        this.prompts = Collections.unmodifiableMap(new LinkedHashMap<>(prompts));
        this.defaultPromptName = defaultPromptName;
        this.similarity = similarity;
        int dim = pooling.outputDimension();
        for (VectorModule m : afterPooling) {
            dim = m.outputDimension(dim);
        }
        this.dimension = dim;
    }

    /** Loads a model directory; see {@link ModelDirectory} for what is read and what is refused. */
    public static SentenceTransformer load(Path directory) {
        return ModelDirectory.load(directory, WeightPrecision.FLOAT32);
    }

    /**
     * Loads a model directory with the encoder's Linear weights held in {@code weights}: float32 (exact, the
     * default), or bfloat16 / int8, which need half / a quarter of the memory and change the embeddings slightly
     * (measured in bench/RESULTS.md).
     */
    public static SentenceTransformer load(Path directory, WeightPrecision weights) {
        return ModelDirectory.load(directory, weights);
    }

    /**
     * Loads a model directory, or a model from the Hugging Face Hub named {@code org/name} or
     * {@code org/name@revision} (an existing directory of that name wins), as {@code SentenceTransformer("...")} does
     * in Python: through the huggingface_hub cache, with its environment variables (HF_HOME, HF_HUB_CACHE, HF_TOKEN,
     * HF_HUB_OFFLINE, HF_ENDPOINT). See {@link HubClient} to set these in code or to watch download progress.
     */
    public static SentenceTransformer load(String idOrPath) {
        return load(HubClient.builder().build().locate(idOrPath));
    }

    static SentenceTransformer assemble(Path directory, Tokenizer tokenizer, Encoder encoder, int maxSeqLength,
                                        boolean doLowerCase, Pooling pooling, List<VectorModule> afterPooling,
                                        Map<String, String> prompts, String defaultPromptName,
                                        Similarity similarity) {
        return new SentenceTransformer(directory, tokenizer, encoder, maxSeqLength, doLowerCase, pooling,
                afterPooling, prompts, defaultPromptName, similarity);
    }

    /** Sentence embeddings with sentence-transformers' default options. */
    public float[][] encode(List<String> texts) {
        return encode(texts, EncodeOptions.defaults());
    }

    public float[] encode(String text) {
        return encode(List.of(text))[0];
    }

    /**
     * Sentence embeddings, one row per text in input order. As in sentence-transformers: the prompt is put
     * before each text, the text is stripped (Python semantics) and lower-cased if the model says so,
     * tokenized and truncated to {@link #maxSeqLength()}; texts are batched longest first.
     */
    public float[][] encode(List<String> texts, EncodeOptions options) {
        return encode(texts, options, Progress.NONE);
    }

    /**
     * {@link #encode(List, EncodeOptions)}, telling {@code progress} after every encoder pass how many of the texts
     * are embedded (sentence-transformers' {@code show_progress_bar}). The embeddings are those of the call
     * without it.
     */
    public float[][] encode(List<String> texts, EncodeOptions options, Progress progress) {
        if (options.precision() != Precision.FLOAT32) {
            throw new IllegalArgumentException("precision " + options.precision().configName()
                    + " gives bytes, not floats: use encodeQuantized");
        }
        Prepared prepared = prepare(texts, options);
        return encodePrepared(prepared, options, progress);
    }

    /**
     * Sentence embeddings of sequences tokenized beforehand, one row per encoding in order: what
     * {@link #encode(List, EncodeOptions)} computes after tokenizing, for callers that tokenize themselves (an
     * embedding server checking lengths before it queues a request, or token ids a client sent). Batched by
     * {@code options.batchSize()}, truncated and normalized as the options say; their prompt is not applied again.
     *
     * @param encodings     sequences with their special tokens, e.g. from {@link #tokenize(String, EncodeOptions, int)}
     * @param promptLengths per encoding, how many of its first tokens are the prompt ({@link #promptLength}), for
     *                      Pooling's {@code include_prompt=false}; 0 for none
     */
    public float[][] encodeTokenized(List<Encoding> encodings, int[] promptLengths, EncodeOptions options) {
        if (promptLengths.length != encodings.size()) {
            throw new IllegalArgumentException(encodings.size() + " encodings but " + promptLengths.length
                    + " prompt lengths");
        }
        return encodePrepared(new Prepared(encodings, promptLengths), options, Progress.NONE);
    }

    private float[][] encodePrepared(Prepared prepared, EncodeOptions options, Progress progress) {
        float[][] out = new float[prepared.encodings.size()][];
        forEachBatch(prepared, options.batchSize(), progress, (index, encoding, states) -> {
            float[] v = pooling.pool(states, encoding.length(), prepared.promptLengths[index]);
            for (VectorModule m : afterPooling) {
                v = m.apply(v);
            }
            out[index] = truncateAndNormalize(v, options);
        });
        return out;
    }

    /**
     * What {@code encode} does last to a sentence embedding: sentence-transformers' {@code truncate_dim} (keep the
     * first dimensions), then L2 normalization if the options ask for it. Returns {@code embedding} itself when
     * neither applies.
     */
    public float[] truncateAndNormalize(float[] embedding, EncodeOptions options) {
        int keep = options.truncateDim();
        float[] v = keep > 0 && keep < embedding.length ? Arrays.copyOf(embedding, keep) : embedding;
        return options.normalize() ? Normalize.l2Normalized(v) : v;
    }

    /**
     * {@code encode(..., precision="int8"|"uint8"|"binary"|"ubinary")}: the embeddings of {@link #encode(List,
     * EncodeOptions)} (truncated and normalized as the options say), then quantized with {@link Quantization}.
     * As in sentence-transformers, int8/uint8 are calibrated on these very embeddings (per-dimension min and max of
     * this call's outputs), so the codes depend on which texts are encoded together. For search, encode float32
     * and quantize with ranges from the corpus: {@link Quantization#quantize(float[][], Precision,
     * QuantizationRanges)}.
     */
    public QuantizedEmbeddings encodeQuantized(List<String> texts, EncodeOptions options) {
        Precision precision = options.precision();
        if (precision == Precision.FLOAT32) {
            throw new IllegalArgumentException("precision float32 gives floats: use encode, or set an integer precision");
        }
        float[][] floats = encode(texts, options.withPrecision(Precision.FLOAT32));
        if (floats.length == 0) {
            return new QuantizedEmbeddings(precision, 0, dimension(options), new byte[0], null);
        }
        return Quantization.quantize(floats, precision);
    }

    /**
     * Token embeddings ({@code output_value="token_embeddings"}): for each text, the encoder's last hidden
     * state, one row per token including the special tokens. As in sentence-transformers, {@code truncateDim} and
     * {@code normalize} apply to sentence embeddings only, not to these; {@code precision} must be float32 (see
     * {@link #encodeTokensQuantized}).
     */
    public List<float[][]> encodeTokens(List<String> texts, EncodeOptions options) {
        if (options.precision() != Precision.FLOAT32) {
            throw new IllegalArgumentException("precision " + options.precision().configName()
                    + " gives bytes, not floats: use encodeTokensQuantized");
        }
        Prepared prepared = prepare(texts, options);
        float[][][] out = new float[texts.size()][][];
        int hidden = encoder.config().hiddenSize();
        forEachBatch(prepared, options.batchSize(), Progress.NONE, (index, encoding, states) -> {
            float[][] rows = new float[encoding.length()][];
            for (int t = 0; t < rows.length; t++) {
                rows[t] = Arrays.copyOfRange(states, t * hidden, (t + 1) * hidden);
            }
            out[index] = rows;
        });
        return Arrays.asList(out);
    }

    /**
     * Token embeddings at an integer precision ({@code output_value="token_embeddings", precision=...}): as
     * sentence-transformers does, all tokens of all texts are quantized together (int8/uint8 calibrated on all of
     * them) and split back per text. Every element shares the same ranges.
     */
    public List<QuantizedEmbeddings> encodeTokensQuantized(List<String> texts, EncodeOptions options) {
        Precision precision = options.precision();
        if (precision == Precision.FLOAT32) {
            throw new IllegalArgumentException("precision float32 gives floats: use encodeTokens");
        }
        List<float[][]> tokens = encodeTokens(texts, options.withPrecision(Precision.FLOAT32));
        List<float[]> rows = new ArrayList<>();
        for (float[][] t : tokens) {
            rows.addAll(Arrays.asList(t));
        }
        List<QuantizedEmbeddings> out = new ArrayList<>(tokens.size());
        if (rows.isEmpty()) {
            return out;
        }
        QuantizedEmbeddings all = Quantization.quantize(rows.toArray(new float[0][]), precision);
        int width = all.bytesPerVector();
        int row = 0;
        for (float[][] t : tokens) {
            byte[] part = Arrays.copyOfRange(all.data(), row * width, (row + t.length) * width);
            out.add(new QuantizedEmbeddings(precision, t.length, all.dimension(), part, all.ranges()));
            row += t.length;
        }
        return out;
    }

    /** The token ids the encoder sees for this text (stripped, lower-cased if configured, truncated). */
    public Encoding tokenize(String text) {
        return tokenizer.encode(preprocess(text), maxSeqLength);
    }

    /**
     * The token ids for this text without any prompt (stripped, lower-cased if configured) cut to {@code maxLength}
     * tokens, special tokens included: what sentence-transformers' trainer feeds the model, with its
     * {@code max_seq_length} set to {@code maxLength}.
     */
    public Encoding tokenize(String text, int maxLength) {
        return tokenizer.encode(preprocess(text), maxLength);
    }

    /**
     * The sequence {@code encode} builds from this text with these options: the prompt before it, stripped,
     * lower-cased if configured, tokenized with special tokens and cut to {@code maxLength} tokens (special tokens
     * included; {@code encode} uses {@link #maxSeqLength()}), or not cut when {@code maxLength} is negative.
     */
    public Encoding tokenize(String text, EncodeOptions options, int maxLength) {
        String prompt = resolvePrompt(options);
        String input = preprocess(prompt == null ? text : prompt + text);
        return maxLength < 0 ? tokenizer.encode(input) : tokenizer.encode(input, maxLength);
    }

    /**
     * How many tokens (special tokens included) the text has with the options' prompt before truncation to
     * {@link #maxSeqLength()}: more than {@code maxSeqLength()} means {@code encode} reads only its start, as
     * sentence-transformers does.
     */
    public int untruncatedLength(String text, EncodeOptions options) {
        return tokenize(text, options, -1).length();
    }

    /**
     * How many tokens at the start of each sequence are the options' prompt, as sentence-transformers counts them
     * for {@code include_prompt=false}: the prompt tokenized alone, without its final special token. 0 without a
     * prompt.
     */
    public int promptLength(EncodeOptions options) {
        String prompt = resolvePrompt(options);
        return prompt == null || prompt.isEmpty() ? 0 : tokenize(prompt).length() - 1;
    }

    /** {@code model.similarity(a, b)} with the model's configured similarity function. */
    public float[][] similarity(float[][] a, float[][] b) {
        return similarity.matrix(a, b);
    }

    /** {@code model.similarity_pairwise(a, b)} with the model's configured similarity function. */
    public float[] similarityPairwise(float[][] a, float[][] b) {
        return similarity.pairwise(a, b);
    }

    public Similarity similarityFunction() {
        return similarity;
    }

    /** Width of the sentence embeddings. */
    public int dimension() {
        return dimension;
    }

    /**
     * Width of the sentence embeddings {@code encode} returns with these options: the model's dimension, or
     * {@code truncateDim} if that is smaller (sentence-transformers' {@code get_sentence_embedding_dimension}).
     */
    public int dimension(EncodeOptions options) {
        int t = options.truncateDim();
        return t > 0 && t < dimension ? t : dimension;
    }

    /** Tokens per text, special tokens included, after which texts are cut. */
    public int maxSeqLength() {
        return maxSeqLength;
    }

    /** The prompts the model's config names (e.g. "query" → "query: "). */
    public Map<String, String> prompts() {
        return prompts;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The Pooling module (its modes and dimension). */
    public Pooling pooling() {
        return pooling;
    }

    /** The sentence-transformers modules after pooling ({@link Dense}, {@link Normalize}), in modules.json order. */
    public List<VectorModule> modulesAfterPooling() {
        return afterPooling;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        encoder.close();
    }

    // ---- the encode pipeline -------------------------------------------------------------------------------

    private record Prepared(List<Encoding> encodings, int[] promptLengths) {}

    private interface SequenceConsumer {
        void accept(int index, Encoding encoding, float[] states);
    }

    private Prepared prepare(List<String> texts, EncodeOptions options) {
        int[] promptLengths = new int[texts.size()];
        Arrays.fill(promptLengths, promptLength(options));
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String text : texts) {
            if (text == null) {
                throw new IllegalArgumentException("text " + encodings.size() + " is null");
            }
            encodings.add(tokenize(text, options, maxSeqLength));
        }
        return new Prepared(encodings, promptLengths);
    }

    private String resolvePrompt(EncodeOptions options) {
        if (options.prompt() != null) {
            return options.prompt();
        }
        String name = options.promptName() != null ? options.promptName() : defaultPromptName;
        if (name == null) {
            return null;
        }
        String prompt = prompts.get(name);
        if (prompt == null) {
            throw new IllegalArgumentException("prompt name '" + name + "' is not among the model's prompts "
                    + prompts.keySet());
        }
        return prompt;
    }

    private String preprocess(String text) {
        String s = PythonText.strip(text);
        return doLowerCase ? PythonText.lower(s) : s;
    }

    /**
     * Token budget of one encoder pass: the activations of a pass take about 10 · tokens · hidden floats plus
     * tokens · intermediate (some 250 MB for 8192 tokens of a base model), so batches of long texts are cut
     * further. Results do not depend on how texts are grouped (the encoder packs each batch without padding and
     * computes every sequence alone), so this only bounds memory.
     */
    static final int MAX_BATCH_TOKENS = 8192;

    /**
     * Runs the encoder over the texts in batches, longest text first as sentence-transformers orders them,
     * hands each sequence's token states back with its input index, and tells {@code progress} after each pass.
     */
    private void forEachBatch(Prepared prepared, int batchSize, Progress progress, SequenceConsumer consumer) {
        List<Encoding> encodings = prepared.encodings;
        Integer[] order = new Integer[encodings.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -encodings.get(i).length()));
        for (int start = 0, end; start < order.length; start = end) {
            // at most batchSize texts, and at most MAX_BATCH_TOKENS tokens unless one text alone has more
            end = start + 1;
            int tokens = encodings.get(order[start]).length();
            while (end < order.length && end - start < batchSize
                    && tokens + encodings.get(order[end]).length() <= MAX_BATCH_TOKENS) {
                tokens += encodings.get(order[end++]).length();
            }
            List<Encoding> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(encodings.get(order[k]));
            }
            List<float[]> states = encoder.forward(batch);
            for (int k = start; k < end; k++) {
                consumer.accept(order[k], batch.get(k - start), states.get(k - start));
            }
            progress.update(end, order.length);
        }
    }
}
