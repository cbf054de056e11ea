package io.koembed.cli;

import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed similarity}: the similarity matrix of the given texts under the model's similarity function. */
@Command(name = "similarity", mixinStandardHelpOptions = true,
        description = "Print the similarity matrix of the texts (the model's similarity function, cosine by default).")
final class SimilarityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "The texts to compare.")
    List<String> texts;

    @Option(names = "--json", description = "Print {\"similarity_fn\":...,\"texts\":[...],\"similarity\":[[...]]} instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (SentenceTransformer st = model.load()) {
            float[][] e = st.encode(texts);
            float[][] sim = st.similarity(e, e);
            if (json) {
                Jsonl w = Jsonl.writer(out);
                w.object(g -> {
                    g.writeStringField("similarity_fn", st.similarityFunction().configName());
                    g.writeArrayFieldStart("texts");
                    for (String t : texts) {
                        g.writeString(t);
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("similarity");
                    for (float[] row : sim) {
                        g.writeStartArray();
                        for (float v : row) {
                            g.writeNumber(v);
                        }
                        g.writeEndArray();
                    }
                    g.writeEndArray();
                });
                w.flush();
            } else {
                printTable(out, st.similarityFunction().configName(), sim);
            }
        }
        return 0;
    }

    private void printTable(PrintWriter out, String fn, float[][] sim) {
        for (int i = 0; i < texts.size(); i++) {
            out.printf("[%d] %s%n", i, texts.get(i));
        }
        out.println();
        StringBuilder header = new StringBuilder(String.format("%-6s", fn.length() > 6 ? fn.substring(0, 6) : fn));
        for (int j = 0; j < sim.length; j++) {
            header.append(String.format("%9s", "[" + j + "]"));
        }
        out.println(header);
        for (int i = 0; i < sim.length; i++) {
            StringBuilder row = new StringBuilder(String.format("%-6s", "[" + i + "]"));
            for (float v : sim[i]) {
                row.append(String.format(java.util.Locale.ROOT, "%9.4f", v));
            }
            out.println(row);
        }
        out.flush();
    }
}
