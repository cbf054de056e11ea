package io.koembed.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.index.Document;
import io.koembed.index.IndexSpec;
import io.koembed.index.VectorIndex;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed index}: embeds a corpus and adds it to an HNSW index on disk (creating it if needed). */
@Command(name = "index", mixinStandardHelpOptions = true, resourceBundle = "io.koembed.cli.IndexCommand",
        description = {"Embed the texts of a corpus and add them to a vector index (Lucene HNSW) in DIR, creating it "
                + "if needed. The index remembers the model; appending needs the same model.",
                "Input: .txt (one text per line, ids 0, 1, 2, ... continuing across appends) or .jsonl (per line a "
                        + "JSON string, or an object {\"id\": ..., \"text\": ...}; an id already in the index is "
                        + "replaced). Texts longer than the model's max_seq_length are truncated, as "
                        + "sentence-transformers does, with a warning."})
final class IndexCommand implements Callable<Integer> {
    /** Lucene logs its Vector API setup at INFO on every start; the CLI's stderr is for the user's business. */
    static final java.util.logging.Logger LUCENE_VECTOR_LOG = quiet("org.apache.lucene.internal.vectorization");

    static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "Model directory or Hub id (for an existing index: the model that built it).")
    String model;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "The corpus: .txt or .jsonl; - for stdin.")
    String input;

    @Option(names = "--input-format", paramLabel = "txt|jsonl", description = "Override the format the name implies.")
    TextInput.Format format;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index folder.")
    Path index;

    @Mixin
    BatchSize batch;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "New index only: text put before every document, e.g. \"passage: \".")
    String prompt;

    @Option(names = "--query-prompt", paramLabel = "TEXT",
            description = "New index only: text put before every query at search time, e.g. \"query: \".")
    String queryPrompt;

    @Mixin
    TruncateDim truncate; // help text in IndexCommand.properties: it applies to a new index only

    @Option(names = "--hnsw-m", paramLabel = "N", description = "New index only: HNSW connections per node (default 16).")
    Integer hnswM;

    @Option(names = "--hnsw-beam-width", paramLabel = "N",
            description = "New index only: HNSW build candidate list (default 100).")
    Integer hnswBeamWidth;

    @Override
    public Integer call() throws Exception {
        int batchSize = batch.value();
        truncate.value(); // refuse a bad --truncate-dim before reading the corpus
        PrintWriter err = spec.commandLine().getErr();
        String name = input.equals("-") ? "<stdin>" : input;
        List<Document> docs = readCorpus(name, TextInput.read(input, TextInput.Format.TXT),
                TextInput.formatOf(input, format));
        try (SentenceTransformer st = SentenceTransformer.load(ModelLocator.locate(model, null, err))) {
            boolean exists = VectorIndex.exists(index);
            try (VectorIndex idx = exists ? VectorIndex.open(index) : VectorIndex.create(index, newSpec(st))) {
                if (exists) {
                    checkSameOptions(idx.spec());
                }
                idx.checkModel(st);
                EncodeOptions base = EncodeOptions.defaults().withBatchSize(batchSize);
                warnTruncated(err, st, idx.documentOptions(base), docs, name);
                int before = idx.size();
                ProgressMeter meter = new ProgressMeter(err, "index", "embedded and indexed", "texts", true);
                // In parts, so that only one part's vectors are held at a time and the meter counts indexing too.
                int chunk = Math.max(batchSize * 8, 256);
                for (int from = 0; from < docs.size(); from += chunk) {
                    int to = Math.min(docs.size(), from + chunk);
                    idx.add(st, docs.subList(from, to), base);
                    meter.update(to, docs.size());
                }
                idx.commit();
                meter.finish();
                err.printf(Locale.ROOT, "koembed: %s %,d texts to %s (%,d documents now, %,d before) in %.1f s%n",
                        exists ? "appended" : "indexed", docs.size(), index, idx.size(), before, meter.elapsedSeconds());
            }
        }
        return 0;
    }

    private IndexSpec newSpec(SentenceTransformer st) {
        IndexSpec s = IndexSpec.forModel(st).withPrompts(prompt, queryPrompt);
        Integer truncateDim = truncate.value();
        if (truncateDim != null) {
            truncate.warnIfNotBelow(st.dimension(), spec.commandLine().getErr());
            s = s.withTruncateDim(truncateDim, st.dimension());
        }
        return s.withHnsw(hnswM != null ? hnswM : 16, hnswBeamWidth != null ? hnswBeamWidth : 100);
    }

    /** Options that only a new index takes must agree with an existing one, or not be given. */
    private void checkSameOptions(IndexSpec s) {
        List<String> differ = new ArrayList<>();
        if (prompt != null && !prompt.equals(s.documentPrompt())) {
            differ.add("--prompt (index: " + q(s.documentPrompt()) + ")");
        }
        if (queryPrompt != null && !queryPrompt.equals(s.queryPrompt())) {
            differ.add("--query-prompt (index: " + q(s.queryPrompt()) + ")");
        }
        Integer truncateDim = truncate.value();
        if (truncateDim != null && truncateDim != s.truncateDim() && !(s.truncateDim() == 0 && truncateDim >= s.dimension())) {
            differ.add("--truncate-dim (index: " + (s.truncateDim() == 0 ? "none" : s.truncateDim()) + ")");
        }
        if (hnswM != null && hnswM != s.hnswM()) {
            differ.add("--hnsw-m (index: " + s.hnswM() + ")");
        }
        if (hnswBeamWidth != null && hnswBeamWidth != s.hnswBeamWidth()) {
            differ.add("--hnsw-beam-width (index: " + s.hnswBeamWidth() + ")");
        }
        if (!differ.isEmpty()) {
            throw new InputError(index + " already exists with other settings: " + String.join(", ", differ)
                    + "; drop these options to append, or index into a new folder");
        }
    }

    private static String q(String s) {
        return s == null ? "none" : "\"" + s + "\"";
    }

    /** The documents of a corpus file, or a one-line error naming file and line. */
    static List<Document> readCorpus(String name, List<String> lines, TextInput.Format format) {
        List<Document> docs = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = name + ":" + (i + 1) + ": ";
            if (format == TextInput.Format.TXT) {
                if (line.isBlank()) {
                    throw new InputError(where + "empty text (nothing to index; remove the line)");
                }
                docs.add(Document.of(line));
                continue;
            }
            if (line.isBlank()) {
                throw new InputError(where + "empty line (a .jsonl corpus holds one JSON string or "
                        + "{\"id\":...,\"text\":...} object per line)");
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new InputError(where + "not valid JSON: " + e.getOriginalMessage());
            }
            String id = null;
            JsonNode text = node;
            if (node.isObject()) {
                text = node.get("text");
                JsonNode idNode = node.get("id");
                if (idNode != null && !idNode.isNull()) {
                    if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
                        throw new InputError(where + "\"id\" must be a string or an integer");
                    }
                    id = idNode.asText();
                }
            }
            if (text == null || !text.isTextual()) {
                throw new InputError(where + (node.isObject() ? "expected a string field \"text\""
                        : "expected a JSON string or an object with \"text\""));
            }
            if (text.asText().isBlank()) {
                throw new InputError(where + "empty text (nothing to index)");
            }
            docs.add(new Document(id, text.asText()));
        }
        if (docs.isEmpty()) {
            throw new InputError(name + ": no texts to index (the file is empty)");
        }
        return docs;
    }

    /** One summary warning for texts the model will cut at max_seq_length, naming the first. */
    static void warnTruncated(PrintWriter err, SentenceTransformer st, EncodeOptions options, List<Document> docs,
                              String name) {
        int count = 0;
        int first = -1;
        int firstLength = 0;
        for (int i = 0; i < docs.size(); i++) {
            int n = st.untruncatedLength(docs.get(i).text(), options);
            if (n > st.maxSeqLength()) {
                if (count++ == 0) {
                    first = i;
                    firstLength = n;
                }
            }
        }
        if (count > 0) {
            err.printf(Locale.ROOT, "koembed: warning: %,d text%s longer than the model's max_seq_length of %d tokens "
                    + "and %s truncated to it, as sentence-transformers does (first: %s:%d, %d tokens)%n", count,
                    count == 1 ? " is" : "s are", st.maxSeqLength(), count == 1 ? "is" : "are", name, first + 1, firstLength);
        }
    }
}
