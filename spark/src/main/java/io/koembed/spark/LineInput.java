package io.koembed.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Text input of the koembed-spark job, one text per line, as rows {@code (id, text)}: {@code txt} (the line is the
 * text) or {@code jsonl} (a JSON string, or an object with the text and id fields). The id is the jsonl object's id
 * field, else the 0-based line number, counted over the input files in name order as if they were one file (for one
 * file: its line number). Lines end at \n, \r\n or \r; a UTF-8 byte order mark is skipped; the input must be valid
 * UTF-8.
 *
 * <p>Files are split by bytes into partitions as Hadoop splits text (a line belongs to the split it starts in), so
 * nothing is shuffled and a partition may hold no line at all. Line numbers need the number of lines before each
 * partition, so the input is read twice: a first quick pass counts the lines of each partition and checks every
 * line, and any bad line stops the job before a model is loaded, with the file and line number; the second pass is
 * the one that embeds.
 */
final class LineInput {
    enum Format { TXT, JSONL }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private LineInput() {}

    /** Rows (id, text) and how many there are. */
    record Texts(Dataset<Row> rows, long count) {}

    /**
     * The input's lines as rows (id, text), in about {@code partitions} partitions (null: as Hadoop splits them).
     * The id is a bigint, or a string where some jsonl id is a string or a number that is not an integer (line
     * numbers then become strings too).
     */
    static Texts read(SparkSession spark, List<FileStatus> files, Format format, String textField,
                             String idField, Integer partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long total = files.stream().mapToLong(FileStatus::getLen).sum();
        int wanted = partitions != null ? partitions : jsc.defaultMinPartitions();
        List<JavaRDD<byte[]>> perFile = new ArrayList<>();
        int[] firstPartition = new int[files.size() + 1];
        for (int f = 0; f < files.size(); f++) {
            long length = files.get(f).getLen();
            int split = total == 0 ? 1 : (int) Math.max(1, Math.ceil((double) wanted * length / total));
            // Hadoop reuses one Text per split, so each line is copied out of it.
            JavaRDD<byte[]> lines = jsc.hadoopFile(files.get(f).getPath().toString(), TextInputFormat.class,
                    LongWritable.class, Text.class, split).map(line -> Arrays.copyOf(line._2().getBytes(),
                    line._2().getLength()));
            perFile.add(lines);
            firstPartition[f + 1] = firstPartition[f] + lines.getNumPartitions();
        }
        @SuppressWarnings("unchecked")
        JavaRDD<byte[]> all = perFile.size() == 1 ? perFile.getFirst()
                : jsc.union(perFile.toArray(new JavaRDD[0]));

        Parser parser = new Parser(format, textField, idField);
        List<Scan> scans = all.mapPartitionsWithIndex((partition, lines) -> List.of(parser.scan(lines)).iterator(),
                true).collect();
        long[] start = new long[scans.size()];
        long count = 0;
        boolean stringIds = false;
        for (int p = 0, f = 0; p < scans.size(); p++) {
            while (p >= firstPartition[f + 1]) {
                f++;
            }
            start[p] = p == 0 ? 0 : start[p - 1] + scans.get(p - 1).lines();
            Scan scan = scans.get(p);
            if (scan.error() != null) {
                long line = start[p] + scan.lines() - start[firstPartition[f]];
                throw new InputError(display(files.get(f)) + ":" + (line + 1) + ": " + scan.error());
            }
            stringIds |= scan.stringIds();
            count += scan.lines();
        }

        boolean ids = stringIds;
        JavaRDD<Row> rows = all.mapPartitionsWithIndex((partition, lines) -> parser.rows(lines, start[partition], ids),
                true);
        StructType schema = new StructType().add("id", ids ? DataTypes.StringType : DataTypes.LongType, false)
                .add("text", DataTypes.StringType, true);
        Dataset<Row> out = spark.createDataFrame(rows, schema);
        if (partitions != null && partitions < out.rdd().getNumPartitions()) {
            out = out.coalesce(partitions); // the byte splits of several files add up to a few more
        }
        return new Texts(out, count);
    }

    /** A file's name for messages: a plain path for a local file, else the URI. */
    private static String display(FileStatus file) {
        java.net.URI uri = file.getPath().toUri();
        return "file".equals(uri.getScheme()) ? uri.getPath() : uri.toString();
    }

    /**
     * What the first pass learns of one partition: how many lines it has (up to its first bad line), the first bad
     * line's problem, and whether any id must be a string.
     */
    record Scan(long lines, String error, boolean stringIds) implements Serializable {}

    /** A line that cannot be read; the message says why, the caller says where. */
    static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    /** One line's text (null for a JSON null) and id (null where the line number stands in). */
    record Line(String text, JsonNode id) {}

    record Parser(Format format, String textField, String idField) implements Serializable {

        Scan scan(Iterator<byte[]> lines) {
            long n = 0;
            boolean stringIds = false;
            while (lines.hasNext()) {
                try {
                    JsonNode id = parse(lines.next()).id();
                    stringIds |= id != null && !(id.isIntegralNumber() && id.canConvertToLong());
                } catch (BadLine e) {
                    return new Scan(n, e.getMessage(), stringIds);
                }
                n++;
            }
            return new Scan(n, null, stringIds);
        }

        Iterator<Row> rows(Iterator<byte[]> lines, long firstLine, boolean stringIds) {
            return new Iterator<>() {
                long line = firstLine;

                @Override
                public boolean hasNext() {
                    return lines.hasNext();
                }

                @Override
                public Row next() {
                    Line parsed;
                    try {
                        parsed = parse(lines.next());
                    } catch (BadLine e) {
                        // the first pass read the same bytes and found them good
                        throw new IllegalStateException("line " + line + ": " + e.getMessage(), e);
                    }
                    JsonNode id = parsed.id();
                    Object value = stringIds ? (id == null ? Long.toString(line) : id.asText())
                            : (id == null ? line : id.longValue());
                    line++;
                    return RowFactory.create(value, parsed.text());
                }
            };
        }

        Line parse(byte[] bytes) throws BadLine {
            String line = decode(bytes);
            if (format == Format.TXT) {
                return new Line(line, null);
            }
            if (line.isBlank()) {
                throw new BadLine("empty line (a jsonl input holds one JSON string or object per line; write \"\" "
                        + "for an empty text)");
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new BadLine("not valid JSON: " + e.getOriginalMessage());
            }
            if (node.isTextual()) {
                return new Line(node.textValue(), null);
            }
            if (!node.isObject()) {
                throw new BadLine("expected a JSON string or object, found " + kind(node));
            }
            JsonNode text = node.get(textField);
            if (text == null) {
                throw new BadLine("no \"" + textField + "\" field (the field of the text; name another with "
                        + "--text-column)");
            }
            if (!text.isTextual() && !text.isNull()) {
                throw new BadLine("\"" + textField + "\" is " + kind(text) + ", not a string");
            }
            JsonNode id = node.get(idField);
            if (id != null && !id.isNull() && !id.isTextual() && !id.isNumber()) {
                throw new BadLine("\"" + idField + "\" is " + kind(id) + "; an id is a string or a number");
            }
            return new Line(text.isNull() ? null : text.textValue(), id == null || id.isNull() ? null : id);
        }

        private static String kind(JsonNode node) {
            String type = node.getNodeType().toString().toLowerCase(Locale.ROOT);
            return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type;
        }

        private static String decode(byte[] bytes) throws BadLine {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CharBuffer out = CharBuffer.allocate(bytes.length);
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                int bad = in.position();
                throw new BadLine("invalid UTF-8 at byte offset " + bad + " of the line (byte 0x"
                        + String.format("%02X", bytes[bad] & 0xFF) + ")");
            }
            decoder.flush(out);
            return out.flip().toString();
        }
    }
}
