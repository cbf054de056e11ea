package io.koembed.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.st.ModelFingerprint;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * A persistent approximate-nearest-neighbour index of texts embedded by one model: Lucene's HNSW graph
 * ({@code Lucene99HnswVectorsFormat}) over the vectors, with each document's id and text stored beside them.
 *
 * <p>On disk, a folder holding {@code koembed-index.json} (the {@link IndexSpec}: which model, fingerprint,
 * dimension, similarity, prompts, truncation, HNSW parameters) and {@code lucene/} (the Lucene index). Reopen it
 * with {@link #open(Path)}; {@link #add} appends (a document whose id is already there replaces it), and
 * {@link #commit()} makes additions durable and visible to searches.
 *
 * <p>Every entry point that takes vectors or a model checks the model's {@link ModelFingerprint} against the one
 * the index was built with and throws {@link ModelMismatchException} otherwise.
 *
 * <p>Scores: the HNSW search finds candidates; each is then rescored exactly from its stored vector with the
 * model's similarity function ({@link Similarity#score}), so scores are those of {@code model.similarity}.
 * Thread-safe: searches run concurrently; additions are serialized.
 */
public final class VectorIndex implements AutoCloseable {
    public static final String SPEC_FILE = "koembed-index.json";
    private static final String LUCENE_DIR = "lucene";
    private static final String VECTOR = "vector";
    private static final String ID = "id";
    private static final String TEXT = "text";
    private static final String NEXT_AUTO_ID = "koembed.nextAutoId";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final IndexSpec spec;
    private final Directory directory;
    private IndexWriter writer; // opened at the first addition
    private volatile DirectoryReader reader;
    private long nextAutoId;

    private VectorIndex(Path dir, IndexSpec spec, Directory directory, DirectoryReader reader) {
        this.dir = dir;
        this.spec = spec;
        this.directory = directory;
        this.reader = reader;
        String next = userData(reader).get(NEXT_AUTO_ID);
        this.nextAutoId = next == null ? 0 : Long.parseLong(next);
    }

    private static Map<String, String> userData(DirectoryReader r) {
        try {
            return r.getIndexCommit().getUserData();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True if {@code dir} holds an index. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(SPEC_FILE));
    }

    /** Creates a new, empty index in {@code dir} (which may exist but must not hold an index). */
    public static VectorIndex create(Path dir, IndexSpec spec) throws IOException {
        if (exists(dir)) {
            throw new IllegalArgumentException(dir + " already holds an index; open it to append");
        }
        Files.createDirectories(dir);
        Directory d = FSDirectory.open(dir.resolve(LUCENE_DIR));
        try (IndexWriter w = new IndexWriter(d, config(spec).setOpenMode(IndexWriterConfig.OpenMode.CREATE))) {
            w.setLiveCommitData(Map.of(NEXT_AUTO_ID, "0").entrySet());
            w.commit();
        }
        writeSpec(dir, spec); // last: an index exists only once this file does
        return new VectorIndex(dir, spec, d, DirectoryReader.open(d));
    }

    /** Opens the index in {@code dir}. */
    public static VectorIndex open(Path dir) throws IOException {
        if (!exists(dir)) {
            throw new IllegalArgumentException(dir + " holds no index (no " + SPEC_FILE + "); create one with "
                    + "koembed index");
        }
        IndexSpec spec = readSpec(dir);
        Directory d = FSDirectory.open(dir.resolve(LUCENE_DIR));
        return new VectorIndex(dir, spec, d, DirectoryReader.open(d));
    }

    public IndexSpec spec() {
        return spec;
    }

    public Path directory() {
        return dir;
    }

    /** Documents in the index (as of the last commit). */
    public int size() {
        return reader.numDocs();
    }

    // ---- model checks ----------------------------------------------------------------------------------------

    /** Throws {@link ModelMismatchException} unless the fingerprint is the index's model's. */
    public void checkFingerprint(String fingerprint, String what) {
        if (!spec.modelFingerprint().equals(fingerprint)) {
            throw new ModelMismatchException("the index at " + dir + " was built by the model at " + spec.modelPath()
                    + " (fingerprint " + abbreviate(spec.modelFingerprint()) + "), but " + what + " has fingerprint "
                    + abbreviate(fingerprint) + ": its vectors are not comparable. Use the index's model, or build "
                    + "a new index with this one.");
        }
    }

    /** Throws {@link ModelMismatchException} unless this model built the index. */
    public void checkModel(SentenceTransformer model) {
        checkFingerprint(ModelFingerprint.of(model), "the model at " + model.directory());
    }

    private static String abbreviate(String f) {
        return f.length() > 19 ? f.substring(0, 19) + "…" : f;
    }

    /** The encode options for documents: the index's prompt and truncation on top of {@code base}. */
    public EncodeOptions documentOptions(EncodeOptions base) {
        return base.withPrompt(spec.documentPrompt()).withTruncateDim(spec.truncateDim()).withNormalize(false);
    }

    /** The encode options for queries: the index's query prompt and truncation on top of {@code base}. */
    public EncodeOptions queryOptions(EncodeOptions base) {
        return base.withPrompt(spec.queryPrompt()).withTruncateDim(spec.truncateDim()).withNormalize(false);
    }

    // ---- adding ----------------------------------------------------------------------------------------------

    /** Embeds the documents with the index's model (refusing any other) and adds them. Call {@link #commit()}. */
    public void add(SentenceTransformer model, List<Document> documents, EncodeOptions base) throws IOException {
        checkModel(model);
        List<String> texts = documents.stream().map(Document::text).toList();
        addVectors(documents, model.encode(texts, documentOptions(base)), ModelFingerprint.of(model));
    }

    /**
     * Adds documents with vectors embedded elsewhere by the model whose fingerprint is given (checked). Returns the
     * ids given to the documents (automatic ones included). Call {@link #commit()}.
     */
    public synchronized List<String> addVectors(List<Document> documents, float[][] vectors, String fingerprint)
            throws IOException {
        checkFingerprint(fingerprint, "the vectors' model");
        if (documents.size() != vectors.length) {
            throw new IllegalArgumentException(documents.size() + " documents but " + vectors.length + " vectors");
        }
        if (writer == null) {
            writer = new IndexWriter(directory, config(spec).setOpenMode(IndexWriterConfig.OpenMode.APPEND));
        }
        VectorSimilarityFunction fn = luceneFunction(spec.similarity());
        List<String> ids = new ArrayList<>(documents.size());
        for (int i = 0; i < vectors.length; i++) {
            float[] v = vectors[i];
            if (v.length != spec.dimension()) {
                throw new ModelMismatchException("vector " + i + " has " + v.length + " dimensions, the index "
                        + spec.dimension());
            }
            Document doc = documents.get(i);
            String id = doc.id() != null ? doc.id() : Long.toString(nextAutoId++);
            org.apache.lucene.document.Document d = new org.apache.lucene.document.Document();
            d.add(new StringField(ID, id, Field.Store.YES));
            d.add(new StoredField(TEXT, doc.text()));
            d.add(new KnnFloatVectorField(VECTOR, stored(v), fn));
            writer.updateDocument(new Term(ID, id), d);
            ids.add(id);
        }
        return ids;
    }

    /** Makes the additions durable and visible to searches. */
    public synchronized void commit() throws IOException {
        if (writer == null) {
            return;
        }
        writer.setLiveCommitData(Map.of(NEXT_AUTO_ID, Long.toString(nextAutoId)).entrySet());
        writer.commit();
        DirectoryReader fresh = DirectoryReader.openIfChanged(reader);
        if (fresh != null) {
            DirectoryReader old = reader;
            reader = fresh;
            old.close();
        }
    }

    /** Merges the index into one segment (one HNSW graph): slower to build, a little faster and better to search. */
    public synchronized void forceMerge() throws IOException {
        if (writer == null) {
            writer = new IndexWriter(directory, config(spec).setOpenMode(IndexWriterConfig.OpenMode.APPEND));
        }
        writer.forceMerge(1);
        commit();
    }

    // ---- searching -------------------------------------------------------------------------------------------

    /** Embeds the queries with the index's model (refusing any other) and searches. */
    public List<List<IndexHit>> search(SentenceTransformer model, List<String> queries, int k, EncodeOptions base)
            throws IOException {
        checkModel(model);
        float[][] q = model.encode(queries, queryOptions(base));
        return searchVectors(q, ModelFingerprint.of(model), k, defaultCandidates(k));
    }

    /** The HNSW candidate list size used when none is given: {@code max(k, 100)}. */
    public static int defaultCandidates(int k) {
        return Math.max(k, 100);
    }

    /**
     * Searches with query vectors embedded by the model whose fingerprint is given (checked). {@code candidates}
     * is the HNSW search's list size (Lucene's k, also called ef): larger finds more of the true neighbours, more
     * slowly; the best {@code k} of them come back, rescored exactly, best first.
     */
    public List<List<IndexHit>> searchVectors(float[][] queries, String fingerprint, int k, int candidates)
            throws IOException {
        checkFingerprint(fingerprint, "the queries' model");
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        DirectoryReader r = reader;
        IndexSearcher searcher = new IndexSearcher(r);
        StoredFields stored = r.storedFields();
        List<LeafReaderContext> leaves = r.leaves();
        List<List<IndexHit>> out = new ArrayList<>(queries.length);
        for (int qi = 0; qi < queries.length; qi++) {
            float[] q = queries[qi];
            if (q.length != spec.dimension()) {
                throw new ModelMismatchException("query " + qi + " has " + q.length + " dimensions, the index "
                        + spec.dimension());
            }
            if (k == 0 || r.numDocs() == 0) {
                out.add(List.of());
                continue;
            }
            float[] target = stored(q);
            TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, target, Math.max(k, candidates)),
                    Math.max(k, candidates));
            int m = top.scoreDocs.length;
            float[] scores = new float[m];
            Integer[] order = new Integer[m];
            for (int i = 0; i < m; i++) {
                scores[i] = spec.similarity().score(target, vectorOf(leaves, top.scoreDocs[i].doc));
                order[i] = i;
            }
            // best first by the exact score; equal scores in Lucene's order (by doc number)
            ScoreDoc[] sds = top.scoreDocs;
            java.util.Arrays.sort(order, (a, b) -> {
                int c = Float.compare(scores[b], scores[a]);
                return c != 0 ? c : Integer.compare(sds[a].doc, sds[b].doc);
            });
            List<IndexHit> best = new ArrayList<>(Math.min(k, m));
            for (int i = 0; i < Math.min(k, m); i++) { // stored fields only for the hits returned
                org.apache.lucene.document.Document d = stored.document(sds[order[i]].doc);
                best.add(new IndexHit(d.get(ID), scores[order[i]], d.get(TEXT)));
            }
            out.add(best);
        }
        return out;
    }

    private static float[] vectorOf(List<LeafReaderContext> leaves, int doc) throws IOException {
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        int target = doc - leaf.docBase;
        if (it.advance(target) != target) {
            throw new IllegalStateException("document " + doc + " has no vector");
        }
        return values.vectorValue(it.index()).clone();
    }

    /** The vector as stored: unit length for cosine (Lucene's DOT_PRODUCT wants that), as given otherwise. */
    private float[] stored(float[] v) {
        if (spec.similarity() != Similarity.COSINE) {
            return v;
        }
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float inv = (float) (1 / Math.max(Math.sqrt(s), 1e-12));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    private static VectorSimilarityFunction luceneFunction(Similarity s) {
        return switch (s) {
            case COSINE -> VectorSimilarityFunction.DOT_PRODUCT;
            case DOT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
            case EUCLIDEAN -> VectorSimilarityFunction.EUCLIDEAN;
            case MANHATTAN -> throw new IllegalArgumentException("no manhattan in Lucene's HNSW");
        };
    }

    private static IndexWriterConfig config(IndexSpec spec) {
        KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat(spec.hnswM(), spec.hnswBeamWidth());
        IndexWriterConfig c = new IndexWriterConfig();
        // Same codec name as Lucene's default, so any Lucene 10 reads it; only the vector format's parameters differ.
        c.setCodec(new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return hnsw;
            }
        });
        c.setRAMBufferSizeMB(256);
        return c;
    }

    // ---- the spec file ---------------------------------------------------------------------------------------

    private static void writeSpec(Path dir, IndexSpec s) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "koembed-index");
        root.put("version", 1);
        ObjectNode model = root.putObject("model");
        model.put("path", s.modelPath());
        model.put("fingerprint", s.modelFingerprint());
        root.put("dimension", s.dimension());
        root.put("similarity", s.similarity().configName());
        root.put("truncate_dim", s.truncateDim());
        root.put("document_prompt", s.documentPrompt());
        root.put("query_prompt", s.queryPrompt());
        ObjectNode hnsw = root.putObject("hnsw");
        hnsw.put("m", s.hnswM());
        hnsw.put("beam_width", s.hnswBeamWidth());
        root.put("lucene", org.apache.lucene.util.Version.LATEST.toString());
        Path tmp = dir.resolve(SPEC_FILE + ".part");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, dir.resolve(SPEC_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static IndexSpec readSpec(Path dir) throws IOException {
        Path f = dir.resolve(SPEC_FILE);
        JsonNode root = JSON.readTree(f.toFile());
        if (root == null || !"koembed-index".equals(root.path("format").asText()) || root.path("version").asInt() != 1) {
            throw new IllegalArgumentException(f + ": not a koembed index spec of version 1");
        }
        try {
            return new IndexSpec(root.path("model").path("path").asText(), root.path("model").path("fingerprint").asText(),
                    root.path("dimension").asInt(), Similarity.fromName(root.path("similarity").asText()),
                    root.path("truncate_dim").asInt(0), text(root.get("document_prompt")), text(root.get("query_prompt")),
                    root.path("hnsw").path("m").asInt(16), root.path("hnsw").path("beam_width").asInt(100));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (writer != null) {
                commit();
                writer.close();
            }
        } finally {
            reader.close();
            directory.close();
        }
    }
}
