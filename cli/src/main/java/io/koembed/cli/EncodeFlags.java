package io.koembed.cli;

import io.koembed.st.EncodeOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of sentence-transformers' {@code encode} that every command embedding the user's texts takes:
 * {@code --batch-size}, {@code --prompt} and {@code --prompt-name}. Options only some of these commands take
 * ({@code --normalize}, {@code --truncate-dim}, {@code --precision}) stay with those commands. Where a command's help
 * says more about an option (classify train remembers the prompt), its resource bundle holds that text under the
 * option's name, as picocli looks it up.
 */
final class EncodeFlags {
    @Mixin
    BatchSize batch;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text put before every input, e.g. \"query: \".")
    String prompt;

    @Option(names = "--prompt-name", paramLabel = "NAME",
            description = "A prompt from the model's config_sentence_transformers.json, e.g. query.")
    String promptName;

    /** The options as given, checked: a usage error for a batch size below 1 or both kinds of prompt. */
    EncodeOptions options() {
        if (prompt != null && promptName != null) {
            throw new UsageError("give --prompt or --prompt-name, not both");
        }
        return EncodeOptions.defaults().withBatchSize(batch.value()).withPrompt(prompt).withPromptName(promptName);
    }
}
