package io.koembed.cli;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed encode}: sentence embeddings as JSONL, one {@code {"embedding":[...]}} per text, in order. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Embed each text; print JSONL {\"embedding\":[...]} in input order.")
final class EncodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    InputOptions input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the JSONL here instead of stdout (the file appears only when complete).")
    Path output;

    @Option(names = {"-b", "--batch-size"}, defaultValue = "32", paramLabel = "N",
            description = "Texts per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--normalize", description = "L2-normalize the embeddings.")
    boolean normalize;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text put before every input, e.g. \"query: \".")
    String prompt;

    @Option(names = "--prompt-name", paramLabel = "NAME",
            description = "A prompt from the model's config_sentence_transformers.json, e.g. query.")
    String promptName;

    @Override
    public Integer call() throws Exception {
        if (prompt != null && promptName != null) {
            throw new UsageError("give --prompt or --prompt-name, not both");
        }
        if (batchSize < 1) {
            throw new UsageError("--batch-size must be at least 1, got " + batchSize);
        }
        List<String> texts = input.read();
        EncodeOptions options = EncodeOptions.defaults().withBatchSize(batchSize).withNormalize(normalize)
                .withPrompt(prompt).withPromptName(promptName);
        try (SentenceTransformer st = model.load()) {
            float[][] embeddings = st.encode(texts, options);
            try (Output out = Output.open(output, spec.commandLine().getOut())) {
                Jsonl json = Jsonl.writer(out.writer());
                for (float[] e : embeddings) {
                    json.object(g -> Jsonl.floats(g, "embedding", e));
                }
                json.flush();
                out.commit();
            }
        }
        return 0;
    }
}
