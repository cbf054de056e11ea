package io.koembed.index;

import io.koembed.st.ModelFingerprint;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;

/**
 * What an index is made of, fixed when it is created and stored in its {@code koembed-index.json}.
 *
 * @param modelPath        the model directory that built it (absolute), loaded again by {@code koembed search}
 * @param modelFingerprint {@link ModelFingerprint} of that model; queries from any other model are refused
 * @param dimension        vector width (after truncation)
 * @param similarity       cosine (vectors stored normalized), dot or euclidean; the model's similarity function
 * @param truncateDim      Matryoshka truncation applied to documents and queries alike (0: none)
 * @param documentPrompt   prompt put before each document when embedding it (null: the model's default)
 * @param queryPrompt      prompt put before each query (null: the model's default)
 * @param hnswM            HNSW max connections per node (Lucene's default 16)
 * @param hnswBeamWidth    HNSW candidate list while building (Lucene's default 100)
 */
public record IndexSpec(String modelPath, String modelFingerprint, int dimension, Similarity similarity,
                        int truncateDim, String documentPrompt, String queryPrompt, int hnswM, int hnswBeamWidth) {

    public IndexSpec {
        if (modelFingerprint == null || modelFingerprint.isEmpty()) {
            throw new IllegalArgumentException("an index needs the fingerprint of its model");
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        }
        if (similarity == Similarity.MANHATTAN) {
            throw new IllegalArgumentException("the HNSW index supports cosine, dot and euclidean, not manhattan");
        }
        if (hnswM < 2 || hnswM > 512 || hnswBeamWidth < 1 || hnswBeamWidth > 3200) {
            throw new IllegalArgumentException("HNSW m must be in 2..512 and beam width in 1..3200, got "
                    + hnswM + " and " + hnswBeamWidth);
        }
    }

    /** An index of this model's embeddings with its similarity function, no prompts, no truncation. */
    public static IndexSpec forModel(SentenceTransformer model) {
        return new IndexSpec(model.directory().toAbsolutePath().normalize().toString(), ModelFingerprint.of(model),
                model.dimension(), model.similarityFunction(), 0, null, null, 16, 100);
    }

    public IndexSpec withTruncateDim(int truncateDim, int modelDimension) {
        int dim = truncateDim > 0 && truncateDim < modelDimension ? truncateDim : modelDimension;
        return new IndexSpec(modelPath, modelFingerprint, dim, similarity, truncateDim > 0 && truncateDim < modelDimension
                ? truncateDim : 0, documentPrompt, queryPrompt, hnswM, hnswBeamWidth);
    }

    public IndexSpec withPrompts(String documentPrompt, String queryPrompt) {
        return new IndexSpec(modelPath, modelFingerprint, dimension, similarity, truncateDim, documentPrompt,
                queryPrompt, hnswM, hnswBeamWidth);
    }

    public IndexSpec withHnsw(int m, int beamWidth) {
        return new IndexSpec(modelPath, modelFingerprint, dimension, similarity, truncateDim, documentPrompt,
                queryPrompt, m, beamWidth);
    }
}
