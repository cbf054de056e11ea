/**
 * The normalizer stage ({@code normalizers/} of the Rust library): {@link io.koembed.tokenize.normalizers.Normalizer}
 * and its implementations, each the counterpart of one {@code "type"} of tokenizer.json's {@code normalizer}.
 */
package io.koembed.tokenize.normalizers;
