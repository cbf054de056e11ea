/**
 * Text to token ids for SentencePiece Unigram models (XLM-RoBERTa and kin) and WordPiece vocabularies (BERT, KLUE
 * RoBERTa), matching the Rust Hugging Face {@code tokenizers} library (0.21) id for id.
 *
 * <p>Entry point: {@link io.koembed.tokenize.Tokenizer} ({@code fromTokenizerJson} reads a tokenizer.json; its
 * public constructor assembles the same pipeline from parts for other loaders; {@code load} picks tokenizer.json,
 * vocab.txt or sentencepiece.bpe.model as transformers' AutoTokenizer would), and its output
 * {@link io.koembed.tokenize.common.Encoding}. The stages have a package each, as the Rust library has a module each:
 * <ul>
 *   <li>{@code normalizers}: {@code Normalizer} ({@code PrecompiledCharsmap}, {@code StripNormalizer},
 *       {@code ReplaceNormalizer}, {@code UnicodeFormNormalizer}, {@code LowercaseNormalizer},
 *       {@code NormalizerSequence}, {@code BertNormalizer});</li>
 *   <li>{@code pretokenizers}: {@code PreTokenizer} ({@code MetaspacePreTokenizer}, {@code BertPreTokenizer},
 *       {@code PreTokenizerSequence});</li>
 *   <li>{@code models}: {@code TokenizerModel} ({@code Unigram} or {@code WordPiece});</li>
 *   <li>{@code processors}: {@code PostProcessor} ({@code TemplateProcessing}, {@code RobertaProcessing},
 *       {@code BertProcessing}, {@code PostProcessorSequence}).</li>
 * </ul>
 * What the stages share ({@link io.koembed.tokenize.common.Encoding}, {@code IntList}, {@code PieceTrie},
 * {@code UnicodeText}, {@code BertCharacters}, the JSON readers) is in {@code common}, below them all. This package
 * holds the pipeline ({@code Tokenizer},
 * {@link io.koembed.tokenize.AddedToken} and the added-token matching, cut out of the raw text before the
 * stages run, truncation) and the loaders that assemble it from files (tokenizer.json, vocab.txt,
 * sentencepiece.bpe.model and the configuration files next to them). The stages do not depend on each other. Each
 * component of tokenizer.json reads its own fields ({@code fromJson}, beside the code that uses them);
 * {@code TokenizerJsonLoader} reads the top level and finds each component's reader by its {@code "type"} in one
 * table per stage.
 *
 * <p>Deliberate departures from the Rust library, where it has no behaviour to copy or copying it would hurt:
 * <ul>
 *   <li>Unpaired surrogates (possible in Java strings, impossible in the UTF-8 Rust receives) are encoded as
 *       U+FFFD.</li>
 *   <li>A Metaspace with {@code "add_prefix_space": false} and no {@code prepend_scheme} is read as "never", as
 *       the library's older versions did; 0.21 refuses such a file.</li>
 *   <li>A Unigram model without {@code unk_id}, or a WordPiece vocabulary without its {@code unk_token}, is refused
 *       at load (Rust fails later, on the first unknown word).</li>
 *   <li>{@code maxLength} smaller than the special tokens is an {@link java.lang.IllegalArgumentException} (Rust
 *       underflows); only longest-first, right-side, stride-0 truncation exists, and overflow is dropped.</li>
 *   <li>{@link io.koembed.tokenize.common.Encoding#tokens()} holds vocabulary pieces ({@code <unk>} for unknown text),
 *       not the matched text.</li>
 * </ul>
 * Possible differences left: {@code Replace} regexes run on {@link java.util.regex} instead of Oniguruma;
 * BertNormalizer's {@code strip_accents} splits 21 letters of scripts new in Unicode 13-16 (Vithkuqi, Dives Akuru,
 * Tulu-Tigalari, Gurung Khema, Kirat Rai) whose canonical decompositions the JDK knows and the Rust library's
 * tables do not (every other code point is checked equal); the
 * Unicode tables of the JDK (grapheme clusters, NFC/NFKC, case mapping, "word" characters) and of the Rust crates
 * may differ for characters assigned in between; {@code prepend_scheme: first} models the Rust offset bookkeeping
 * only as far as sections and a left {@code Strip} go.
 */
package io.koembed.tokenize;
