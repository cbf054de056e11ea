package io.koembed.cli;

import io.koembed.mining.CommunityDetection;
import io.koembed.mining.KMeans;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed cluster}: community detection (sentence-transformers) or k-means (scikit-learn) over embeddings. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Cluster texts by their embeddings.",
                "Prints one JSONL line per cluster, largest first: {\"cluster\":c,\"size\":n,\"members\":[...],"
                        + "\"texts\":[...]} with 0-based input line numbers.",
                "community: sentence-transformers' community_detection (cosine >= threshold, at least min-size "
                        + "members, overlaps removed); the first member is the community's central text; texts in "
                        + "no community are not printed.",
                "kmeans: k-means++ / Lloyd / n-init as scikit-learn's KMeans, on L2-normalized embeddings (cosine) "
                        + "unless --no-normalize; every text is in exactly one cluster, members in input order."})
final class ClusterCommand implements Callable<Integer> {
    enum Method { COMMUNITY, KMEANS }

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    InputOptions input;

    @Mixin
    OutputOption output;

    @Option(names = "--method", required = true, paramLabel = "community|kmeans", description = "The algorithm.")
    Method method;

    @Option(names = "--threshold", defaultValue = "0.75", paramLabel = "T",
            description = "community: minimum cosine similarity of close texts (default ${DEFAULT-VALUE}).")
    float threshold;

    @Option(names = "--min-size", defaultValue = "10", paramLabel = "M",
            description = "community: smallest community kept (default ${DEFAULT-VALUE}, as sentence-transformers).")
    int minSize;

    @Option(names = "--k", paramLabel = "K", description = "kmeans: number of clusters (required for kmeans).")
    Integer k;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "kmeans: seed of the k-means++ initialisations (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--n-init", defaultValue = "10", paramLabel = "N",
            description = "kmeans: initialisations; the lowest inertia wins (default ${DEFAULT-VALUE}).")
    int nInit;

    @Option(names = "--max-iter", defaultValue = "300", paramLabel = "N",
            description = "kmeans: Lloyd iterations per initialisation at most (default ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--no-normalize", description = "kmeans: cluster the raw embeddings (Euclidean), not normalized.")
    boolean noNormalize;

    @Mixin
    EncodeFlags encode;

    @Override
    public Integer call() throws Exception {
        ParseResult parsed = spec.commandLine().getParseResult();
        String[] communityOnly = {"--threshold", "--min-size"};
        String[] kmeansOnly = {"--k", "--seed", "--n-init", "--max-iter", "--no-normalize"};
        for (String o : method == Method.KMEANS ? communityOnly : kmeansOnly) {
            if (parsed.hasMatchedOption(o)) {
                throw new UsageError(o + " applies to --method " + (method == Method.KMEANS ? "community" : "kmeans"));
            }
        }
        if (method == Method.KMEANS && k == null) {
            throw new UsageError("--method kmeans needs --k");
        }
        if (method == Method.KMEANS && (k < 1 || nInit < 1 || maxIter < 1)) {
            throw new UsageError("--k, --n-init and --max-iter must be at least 1");
        }
        if (method == Method.COMMUNITY && (minSize < 1 || Float.isNaN(threshold))) {
            throw new UsageError("--min-size must be at least 1 and --threshold a number");
        }
        EncodeOptions options = encode.options().withNormalize(method == Method.KMEANS && !noNormalize);
        PrintWriter err = spec.commandLine().getErr();
        List<String> texts = input.read();
        if (method == Method.KMEANS && k > texts.size()) {
            throw new InputError("--k " + k + " needs at least " + k + " texts, the input has " + texts.size());
        }
        float[][] embeddings;
        try (SentenceTransformer st = model.load()) {
            embeddings = ProgressMeter.encode(st, texts, options, err, "cluster");
        }
        List<int[]> clusters;
        if (method == Method.COMMUNITY) {
            ProgressMeter meter = new ProgressMeter(err, "cluster", "scored", "texts against all others", true);
            clusters = CommunityDetection.detect(embeddings, threshold, minSize, 1024, meter);
            meter.finish();
        } else {
            ProgressMeter meter = new ProgressMeter(err, "cluster", "ran", "k-means initialisations", true);
            KMeans.Result r = KMeans.fit(embeddings, new KMeans.Options(k, seed, nInit, maxIter, 1e-4),
                    meter);
            meter.finish();
            clusters = r.clusters();
            err.printf(java.util.Locale.ROOT, "koembed cluster: k-means inertia %.6g%n", r.inertia());
        }
        int covered = 0;
        try (Output out = output.open(spec.commandLine().getOut())) {
            Jsonl json = Jsonl.writer(out.writer());
            for (int c = 0; c < clusters.size(); c++) {
                int id = c;
                int[] members = clusters.get(c);
                covered += members.length;
                json.object(g -> {
                    g.writeNumberField("cluster", id);
                    g.writeNumberField("size", members.length);
                    g.writeArrayFieldStart("members");
                    for (int m : members) {
                        g.writeNumber(m);
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("texts");
                    for (int m : members) {
                        g.writeString(texts.get(m));
                    }
                    g.writeEndArray();
                });
            }
            json.flush();
            out.commit();
        }
        err.println("koembed cluster: " + clusters.size() + (method == Method.COMMUNITY ? " communities" : " clusters")
                + " cover " + covered + " of " + texts.size() + " texts");
        return 0;
    }
}
