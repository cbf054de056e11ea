package io.koembed.search;

import io.koembed.st.Similarity;

/**
 * Options of {@link SemanticSearch}, named as in sentence-transformers' {@code util.semantic_search} and
 * {@code semantic_search_usearch}. Immutable; start from {@link #defaults()}.
 *
 * @param topK              hits per query ({@code top_k}, default 10); more than the corpus holds gives them all
 * @param queryChunkSize    queries scored together ({@code query_chunk_size}, default 100)
 * @param corpusChunkSize   corpus rows scored between merges of the per-thread top-k ({@code corpus_chunk_size},
 *                          default 500,000). Neither chunk size changes the results, only memory and speed.
 * @param similarity        cosine (default) or dot ({@code score_function=cos_sim | dot_score})
 * @param rescore           quantized corpora: fetch {@code topK * rescoreMultiplier} candidates by the quantized
 *                          score, then rescore them with the float query ({@code rescore}, default true there)
 * @param rescoreMultiplier oversampling for rescoring ({@code rescore_multiplier}, default 2)
 */
public record SearchOptions(int topK, int queryChunkSize, int corpusChunkSize, Similarity similarity,
                            boolean rescore, int rescoreMultiplier) {

    public SearchOptions {
        if (topK < 0) {
            throw new IllegalArgumentException("top k must be >= 0, got " + topK);
        }
        if (queryChunkSize < 1 || corpusChunkSize < 1) {
            throw new IllegalArgumentException("chunk sizes must be >= 1, got " + queryChunkSize + " and "
                    + corpusChunkSize);
        }
        if (similarity != Similarity.COSINE && similarity != Similarity.DOT) {
            throw new IllegalArgumentException("semantic search scores by cosine or dot, not " + similarity.configName());
        }
        if (rescoreMultiplier < 1) {
            throw new IllegalArgumentException("rescore multiplier must be >= 1, got " + rescoreMultiplier);
        }
    }

    public static SearchOptions defaults() {
        return new SearchOptions(10, 100, 500_000, Similarity.COSINE, true, 2);
    }

    public SearchOptions withTopK(int topK) {
        return new SearchOptions(topK, queryChunkSize, corpusChunkSize, similarity, rescore, rescoreMultiplier);
    }

    public SearchOptions withQueryChunkSize(int n) {
        return new SearchOptions(topK, n, corpusChunkSize, similarity, rescore, rescoreMultiplier);
    }

    public SearchOptions withCorpusChunkSize(int n) {
        return new SearchOptions(topK, queryChunkSize, n, similarity, rescore, rescoreMultiplier);
    }

    public SearchOptions withSimilarity(Similarity similarity) {
        return new SearchOptions(topK, queryChunkSize, corpusChunkSize, similarity, rescore, rescoreMultiplier);
    }

    public SearchOptions withRescore(boolean rescore) {
        return new SearchOptions(topK, queryChunkSize, corpusChunkSize, similarity, rescore, rescoreMultiplier);
    }

    public SearchOptions withRescoreMultiplier(int m) {
        return new SearchOptions(topK, queryChunkSize, corpusChunkSize, similarity, rescore, m);
    }
}
