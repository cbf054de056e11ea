package io.koembed.cli;

import io.koembed.ModelFormatException;
import io.koembed.hub.HubException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code koembed}: the command line. Each subcommand is one class; errors become one line on stderr. */
@Command(name = "koembed", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Sentence embeddings with sentence-transformers models, in pure Java.")
public final class Main {

    /** The subcommands, in the order the help lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            TokenizeCommand.class,
            EncodeCommand.class,
            SimilarityCommand.class,
            EvalCommand.class,
            IndexCommand.class,
            SearchCommand.class,
            MineCommand.class,
            ClusterCommand.class,
            ClassifyCommand.class,
            ServeCommand.class,
            TrainCommand.class,
            CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (0 ok, 1 error, 2 usage). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> command : subcommandsFor(args)) {
            cli.addSubcommand(command);
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("koembed: error: " + describe(e));
            if (Boolean.getBoolean("koembed.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            // A usage error found by a command exits as picocli's own parse errors do.
            return e instanceof UsageError ? commandLine.getCommandSpec().exitCodeOnInvalidInput() : 1;
        });
        int code;
        try {
            code = cli.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands Errors on; this one has a remedy to tell
            err.println("koembed: error: " + describe(e));
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The subcommands to build for {@code args}: only the one named first, if one is (its options are all that
     * picocli will parse), else all of them (the top-level help, {@code help COMMAND}, an unknown name's
     * suggestions). picocli reads every class it is given by reflection, with every type its fields and methods
     * name: building all twelve cost {@code koembed encode --help} about 0.3 s of its 0.75 s (no AOT cache).
     */
    static List<Class<?>> subcommandsFor(String[] args) {
        if (args.length > 0) {
            for (Class<?> command : SUBCOMMANDS) {
                if (command != CommandLine.HelpCommand.class
                        && command.getAnnotation(Command.class).name().equals(args[0])) {
                    return List.of(command);
                }
            }
        }
        return SUBCOMMANDS;
    }

    /** One line that says what was wrong; the exception class only where the message alone says too little. */
    static String describe(Throwable e) {
        if (e instanceof UsageError || e instanceof InputError || e instanceof ModelFormatException || e instanceof HubException
                || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof java.io.IOException) {
            return "I/O: " + e.getMessage();
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory; use smaller --batch-size or give the JVM more heap (KOEMBED_JAVA_OPTS=-Xmx8g)";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage()
                + " (run with KOEMBED_JAVA_OPTS=-Dkoembed.debug=true for the stack trace)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"koembed " + (v == null ? "dev" : v) + " on Java " + Runtime.version()};
        }
    }
}
