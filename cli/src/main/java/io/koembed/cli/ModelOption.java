package io.koembed.cli;

import io.koembed.st.SentenceTransformer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option every model command shares. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model directory laid out as on the Hugging Face Hub (modules.json, config.json, "
                    + "model.safetensors, tokenizer.json, ...).")
    Path model;

    SentenceTransformer load() {
        return SentenceTransformer.load(model);
    }
}
