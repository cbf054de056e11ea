package io.koembed.cli;

import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --model}, {@code --revision} and {@code --weights} options every model command shares. */
final class ModelOption {
    static final String DEFAULT_MODEL = "upskyy/e5-base-korean";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = {"-m", "--model"}, defaultValue = DEFAULT_MODEL, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "Model directory laid out as on the Hugging Face Hub (modules.json, config.json, "
                    + "model.safetensors, tokenizer.json, ...), or a Hub model id, downloaded into the huggingface_hub "
                    + "cache on first use (HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE, HF_ENDPOINT as in Python; "
                    + "default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a Hub model (default main); the same as ORG/NAME@REV.")
    String revision;

    @Option(names = "--weights", defaultValue = "float32", paramLabel = "float32|bfloat16|int8",
            converter = WeightsConverter.class,
            description = "How the encoder holds its Linear weights: float32 (exact, the default), bfloat16 or int8 "
                    + "(half / a quarter of the memory; embeddings move slightly, see bench/RESULTS.md).")
    WeightPrecision weights;

    /** The model's directory: the one given, or the Hub model's snapshot in the cache. */
    Path directory() {
        return ModelLocator.locate(model, revision, command.commandLine().getErr());
    }

    SentenceTransformer load() {
        return SentenceTransformer.load(directory(), weights);
    }

    static final class WeightsConverter implements CommandLine.ITypeConverter<WeightPrecision> {
        @Override
        public WeightPrecision convert(String value) {
            try {
                return WeightPrecision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
