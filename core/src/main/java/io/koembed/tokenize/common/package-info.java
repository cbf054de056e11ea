/**
 * What every stage of the tokenizer shares: {@link io.koembed.tokenize.common.Encoding} (ids, type ids, attention
 * mask, offsets: the pipeline's output, which post-processors extend), the small data structures behind the models
 * ({@link io.koembed.tokenize.common.IntList}, {@link io.koembed.tokenize.common.PieceTrie}), Unicode character
 * classes ({@link io.koembed.tokenize.common.UnicodeText}, {@link io.koembed.tokenize.common.BertCharacters}) and
 * the readers each component uses for its own part of tokenizer.json
 * ({@link io.koembed.tokenize.common.ComponentJson}).
 *
 * <p>It sits below the stage packages (normalizers, pretokenizers, models, processors), which depend on it and on
 * nothing else of the tokenizer; {@code io.koembed.tokenize} (the {@code Tokenizer} and its loaders) sits above
 * them all, so the packages form no cycle.
 */
package io.koembed.tokenize.common;
