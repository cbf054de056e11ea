/**
 * The post-processor stage ({@code processors/} of the Rust library):
 * {@link io.koembed.tokenize.processors.PostProcessor} and its implementations, each the counterpart of one
 * {@code "type"} of tokenizer.json's {@code post_processor}.
 */
package io.koembed.tokenize.processors;
