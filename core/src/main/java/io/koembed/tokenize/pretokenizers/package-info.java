/**
 * The pre-tokenizer stage ({@code pre_tokenizers/} of the Rust library):
 * {@link io.koembed.tokenize.pretokenizers.PreTokenizer} and its implementations, each the counterpart of one
 * {@code "type"} of tokenizer.json's {@code pre_tokenizer}.
 */
package io.koembed.tokenize.pretokenizers;
