package io.koembed.cli;

import io.koembed.index.IndexHit;
import io.koembed.index.VectorIndex;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed search}: the k nearest documents of each query in an index, as JSONL. */
@Command(name = "search", mixinStandardHelpOptions = true, resourceBundle = "io.koembed.cli.SearchCommand",
        description = {"Search an index made by 'koembed index': one JSON line per query, "
                + "{\"query\":...,\"hits\":[{\"id\":...,\"score\":...,\"text\":...}]}, hits best first.",
                "The model is the one the index remembers, or --model, which must be that same model (checked by "
                        + "fingerprint). Queries longer than the model's max_seq_length are truncated, as "
                        + "sentence-transformers does, with a warning."})
final class SearchCommand implements Callable<Integer> {
    /** Lucene logs its Vector API setup at INFO on every start; the CLI's stderr is for the user's business. */
    static final java.util.logging.Logger LUCENE_VECTOR_LOG = quiet("org.apache.lucene.internal.vectorization");

    static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index folder.")
    Path index;

    @Option(names = {"-m", "--model"}, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "The model directory or Hub id, if not where the index says it was (it must be the same "
                    + "model).")
    String model;

    @Option(names = "-k", defaultValue = "10", paramLabel = "N", description = "Hits per query (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--candidates", paramLabel = "N",
            description = "HNSW search list size (ef); larger is more exact and slower (default max(k, 100)).")
    Integer candidates;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE",
            description = "Read queries from a .txt or .jsonl file (- for stdin), after any given as arguments.")
    String input;

    @Option(names = "--input-format", paramLabel = "txt|jsonl", description = "Override the format the name implies.")
    TextInput.Format format;

    @Mixin
    BatchSize batch; // help text in SearchCommand.properties: here it batches queries

    @Parameters(arity = "0..*", paramLabel = "QUERY", description = "The queries.")
    List<String> queries = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new UsageError("-k must be at least 1, got " + k);
        }
        if (candidates != null && candidates < 1) {
            throw new UsageError("--candidates must be at least 1, got " + candidates);
        }
        int batchSize = batch.value();
        List<String> all = new ArrayList<>(queries);
        if (input != null) {
            all.addAll(TextInput.read(input, format));
        }
        if (all.isEmpty()) {
            throw new UsageError("no queries: give them as arguments or with --input FILE");
        }
        if (!VectorIndex.exists(index)) {
            throw new InputError(index + ": no index there (no " + VectorIndex.SPEC_FILE + "); build one with koembed index");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (VectorIndex idx = VectorIndex.open(index)) {
            Path modelDir = model != null ? ModelLocator.locate(model, null, err) : Path.of(idx.spec().modelPath());
            if (model == null && !Files.isDirectory(modelDir)) {
                throw new InputError("the index's model is no longer at " + modelDir + "; pass --model DIR (the same model)");
            }
            try (SentenceTransformer st = SentenceTransformer.load(modelDir)) {
                idx.checkModel(st);
                EncodeOptions options = idx.queryOptions(EncodeOptions.defaults().withBatchSize(batchSize));
                for (int i = 0; i < all.size(); i++) {
                    int n = st.untruncatedLength(all.get(i), options);
                    if (n > st.maxSeqLength()) {
                        err.printf(Locale.ROOT, "koembed: warning: query %d is %d tokens long; the model reads only the "
                                + "first %d (max_seq_length), as sentence-transformers does%n", i + 1, n, st.maxSeqLength());
                    }
                }
                float[][] vectors = st.encode(all, options);
                int cand = candidates != null ? candidates : VectorIndex.defaultCandidates(k);
                List<List<IndexHit>> results = idx.searchVectors(vectors, idx.spec().modelFingerprint(), k, cand);
                PrintWriter out = spec.commandLine().getOut();
                Jsonl json = Jsonl.writer(out);
                for (int i = 0; i < all.size(); i++) {
                    String q = all.get(i);
                    List<IndexHit> hits = results.get(i);
                    json.object(g -> {
                        g.writeStringField("query", q);
                        g.writeArrayFieldStart("hits");
                        for (IndexHit h : hits) {
                            g.writeStartObject();
                            g.writeStringField("id", h.id());
                            g.writeNumberField("score", h.score());
                            g.writeStringField("text", h.text());
                            g.writeEndObject();
                        }
                        g.writeEndArray();
                    });
                }
                json.flush();
            }
        }
        return 0;
    }
}
