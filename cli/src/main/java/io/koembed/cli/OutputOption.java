package io.koembed.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -o/--output FILE}: where a command's JSONL goes instead of stdout. */
final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the JSONL here instead of stdout (the file appears only when complete).")
    Path file;

    /** The file if given (see {@link Output}), else stdout. */
    Output open(PrintWriter stdout) throws IOException {
        return Output.open(file, stdout);
    }
}
