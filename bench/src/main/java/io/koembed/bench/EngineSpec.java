package io.koembed.bench;

/**
 * An engine not yet loaded: the harness times {@link #loader()} (load to first embedding), so loading must
 * happen there and not before.
 */
public record EngineSpec(String name, Loader loader) {

    @FunctionalInterface
    public interface Loader {
        Engine load() throws Exception;
    }
}
