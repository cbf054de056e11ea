package io.koembed.spark;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * What {@link SentenceEmbedder} runs on each partition: rows in, the same rows with their embedding appended out,
 * in the same order. The task carries only {@link Spec} (a few strings and numbers); the model comes from
 * {@link ExecutorModels}, loaded on the executor when the first non-empty partition needs it.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /**
     * Rows per {@code encode} call, in batches: {@code encode} sorts the texts of one call by length, and a chunk
     * of 64 batches gives it enough texts to sort while the chunk's vectors stay small (2,048 rows of 768 floats,
     * 6 MB, at the default batch size). The vectors do not depend on the chunking: the encoder computes every
     * sequence alone, whatever else is in its batch.
     */
    static final int CHUNK_BATCHES = 64;

    /** The SentenceEmbedder's parameters, as the task needs them. */
    record Spec(String model, String weights, int batchSize, boolean normalize, String prompt, String promptName,
                int truncateDim, int textIndex, boolean vectorOutput) implements Serializable {

        EncodeOptions options() {
            return EncodeOptions.defaults().withBatchSize(batchSize).withNormalize(normalize).withPrompt(prompt)
                    .withPromptName(promptName).withTruncateDim(truncateDim);
        }
    }

    private final Spec spec;

    EmbedPartition(Spec spec) {
        this.spec = spec;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        EncodeOptions options = spec.options();
        int chunkRows = spec.batchSize() * CHUNK_BATCHES;
        return new Iterator<>() {
            private Iterator<Row> chunk = Collections.emptyIterator();
            private long rowsBefore;

            @Override
            public boolean hasNext() {
                while (!chunk.hasNext() && rows.hasNext()) {
                    List<Row> in = new ArrayList<>(Math.min(chunkRows, 1024));
                    while (in.size() < chunkRows && rows.hasNext()) {
                        in.add(rows.next());
                    }
                    chunk = embed(in, rowsBefore, options).iterator();
                    rowsBefore += in.size();
                }
                return chunk.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return chunk.next();
            }
        };
    }

    /** The rows with their embeddings, by one {@code encode} call over their non-null texts. */
    private List<Row> embed(List<Row> in, long rowsBefore, EncodeOptions options) {
        List<String> texts = new ArrayList<>(in.size());
        for (Row row : in) {
            if (!row.isNullAt(spec.textIndex())) {
                texts.add(row.getString(spec.textIndex()));
            }
        }
        float[][] embeddings = texts.isEmpty() ? new float[0][] : encode(texts, rowsBefore, in.size(), options);
        List<Row> out = new ArrayList<>(in.size());
        int next = 0;
        for (Row row : in) {
            Object embedding = null;
            if (!row.isNullAt(spec.textIndex())) {
                float[] e = embeddings[next++];
                embedding = spec.vectorOutput() ? Vectors.dense(toDoubles(e)) : e;
            }
            Object[] values = new Object[row.length() + 1];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            values[row.length()] = embedding;
            out.add(RowFactory.create(values));
        }
        return out;
    }

    private float[][] encode(List<String> texts, long rowsBefore, int rows, EncodeOptions options) {
        SentenceTransformer model = ExecutorModels.get(spec.model(), WeightPrecision.parse(spec.weights()));
        try {
            return model.encode(texts, options);
        } catch (RuntimeException e) {
            TaskContext task = TaskContext.get();
            throw new EmbedException("model " + spec.model() + " could not embed rows " + rowsBefore + " to "
                    + (rowsBefore + rows - 1) + " of partition " + (task == null ? "?" : task.partitionId())
                    + ": " + e.getMessage(), e);
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
