package io.koembed.cli;

import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --input FILE} and {@code --input-format}: where the texts come from. */
final class InputOptions {
    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "Texts: .txt (one per line) or .jsonl (one JSON string per line); - for stdin.")
    String input;

    @Option(names = "--input-format", paramLabel = "txt|jsonl",
            description = "Override the format the file name implies (stdin defaults to txt).")
    TextInput.Format format;

    List<String> read() throws IOException {
        return TextInput.read(input, format);
    }
}
