package io.koembed.cli;

import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.common.Encoding;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed tokenize}: the token ids the model sees, one JSON line per input text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of each text as JSONL: {\"ids\":[...]}.",
                "By default these are the ids the encoder sees inside encode (text stripped as Python does, "
                        + "truncated to the model's max_seq_length); --raw gives the tokenizer's own output."})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    InputOptions input;

    @Option(names = "--raw", description = "Tokenizer only: no stripping, no truncation (special tokens kept).")
    boolean raw;

    @Option(names = "--tokens", description = "Also print the vocabulary pieces as \"tokens\".")
    boolean tokens;

    @Override
    public Integer call() throws Exception {
        List<String> texts = input.read();
        PrintWriter out = spec.commandLine().getOut();
        try (SentenceTransformer st = model.load()) {
            var json = Jsonl.writer(out);
            for (String text : texts) {
                Encoding e = raw ? st.tokenizer().encode(text) : st.tokenize(text);
                json.object(g -> {
                    g.writeFieldName("ids");
                    g.writeArray(e.ids(), 0, e.length());
                    if (tokens) {
                        g.writeArrayFieldStart("tokens");
                        for (String t : e.tokens()) {
                            g.writeString(t);
                        }
                        g.writeEndArray();
                    }
                });
            }
            json.flush();
        }
        return 0;
    }
}
