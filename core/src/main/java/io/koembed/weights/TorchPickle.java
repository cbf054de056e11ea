package io.koembed.weights;

import io.koembed.ModelFormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code data.pkl} of a {@code torch.save} archive as data, executing nothing.
 *
 * <p>A Python pickle is a little program: its {@code GLOBAL} opcode imports any callable by name and
 * {@code REDUCE} calls it, which is how a hostile {@code pytorch_model.bin} runs {@code os.system}. This reader
 * interprets the opcodes itself and knows a handful of names as data: {@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2} and {@code _rebuild_parameter} (which become {@link Tensor} records),
 * and the {@code torch.*Storage} types inside the persistent ids {@code ('storage', type, key, location, numel)}
 * (which become {@link Storage} records). Any other name, and any opcode a saved state dict does not use
 * ({@code INST}, {@code OBJ}, {@code NEWOBJ}, {@code EXT*}, text persistent ids, ...), is refused with a
 * {@link ModelFormatException} naming it, before anything further is read.
 *
 * <p>Accepted opcodes: those of protocol 2, as {@code torch.save} writes it, that build data (ints, floats, strings,
 * tuples, lists, dicts, the memo), plus the framing, short-string, memoize and {@code STACK_GLOBAL} opcodes of
 * protocol 4 for files saved with a higher {@code pickle_protocol}. {@code BUILD} is accepted only to give an
 * OrderedDict its attributes ({@code _metadata}, which holds module versions), and is otherwise ignored.
 */
final class TorchPickle {

    /** A persistent id {@code ('storage', torch.FloatStorage, '0', 'cpu', 6)}: the record {@code data/<key>}. */
    record Storage(String key, DType dtype, long numel) {}

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)}: a strided view of a storage, in elements. */
    record Tensor(Storage storage, long offset, long[] size, long[] stride) {}

    /**
     * Most values a pickle may push: a state dict pushes about 25 per tensor, so this allows 160,000 tensors while a
     * hostile pickle cannot make millions of small objects out of single bytes.
     */
    static final int MAX_VALUES = 4_000_000;

    /** The Python storage types torch.save names, and the element type each holds. */
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private static final String ORDERED_DICT = "collections.OrderedDict";
    private static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
    private static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private record Tuple(List<Object> items) {}

    /** Stack values that Java's null or a class cannot stand for. */
    private enum Marker { NONE, MARK }

    private final Path file;
    private final String entry;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pushed;
    private int opStart;
    private Opcode op;

    private TorchPickle(Path file, String entry, byte[] pickle) {
        this.file = file;
        this.entry = entry;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The state dict pickled in {@code pickle} (the record {@code entry} of {@code file}, both for messages): tensor
     * names in file order to their views.
     */
    static Map<String, Tensor> readStateDict(Path file, String entry, byte[] pickle) {
        Object root = new TorchPickle(file, entry, pickle).run();
        if (!(root instanceof Map<?, ?> dict)) {
            throw ModelFormatException.in(file, entry + " holds " + describe(root) + ", not a state dict of tensors");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof Tensor t)) {
                throw ModelFormatException.in(file, entry + ": entry " + (e.getKey() instanceof String s ? "'" + s + "'"
                        : describe(e.getKey())) + " holds " + describe(e.getValue())
                        + ", not a tensor; a state dict maps names to tensors (a training checkpoint?)");
            }
            tensors.put(name, t);
        }
        return tensors;
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw fail("the pickle ends without STOP (truncated?)");
            }
            opStart = in.position();
            int code = in.get() & 0xFF;
            op = Opcode.of(code);
            if (op == null) {
                throw ModelFormatException.in(file, entry + " byte " + opStart + ": 0x" + Integer.toHexString(code)
                        + " is not a pickle opcode: refused");
            }
            switch (op) {
                case PROTO -> {
                    int v = u8();
                    if (v < 2 || v > 5) {
                        throw fail("pickle protocol " + v + " is not one torch.save writes (2 to 5)");
                    }
                }
                case FRAME -> bytes(8); // a frame length; the frame's opcodes follow inline
                case STOP -> {
                    return pop();
                }
                case MARK -> push(Marker.MARK);
                case NONE -> push(Marker.NONE);
                case NEWTRUE -> push(Boolean.TRUE);
                case NEWFALSE -> push(Boolean.FALSE);
                case BININT -> push((long) next(4).getInt());
                case BININT1 -> push((long) u8());
                case BININT2 -> push((long) (next(2).getShort() & 0xFFFF));
                case LONG1 -> push(long1());
                case BINFLOAT -> push(next(8).order(ByteOrder.BIG_ENDIAN).getDouble());
                case BINUNICODE -> push(utf8(next(4).getInt() & 0xFFFFFFFFL));
                case SHORT_BINUNICODE -> push(utf8(u8()));
                case BINUNICODE8 -> push(utf8(next(8).getLong()));
                case EMPTY_TUPLE -> push(new Tuple(List.of()));
                case TUPLE -> push(new Tuple(popToMark()));
                case TUPLE1, TUPLE2, TUPLE3 -> {
                    int n = op == Opcode.TUPLE1 ? 1 : op == Opcode.TUPLE2 ? 2 : 3;
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        items.addFirst(pop());
                    }
                    push(new Tuple(items));
                }
                case EMPTY_LIST -> push(new ArrayList<>());
                case APPEND -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case APPENDS -> {
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                }
                case EMPTY_DICT -> push(new LinkedHashMap<>());
                case SETITEM -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(key(k), v);
                }
                case SETITEMS -> {
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw fail("SETITEMS with an odd number of items");
                    }
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(key(items.get(i)), items.get(i + 1));
                    }
                }
                case BINPUT -> memo.put((long) u8(), value());
                case LONG_BINPUT -> memo.put(next(4).getInt() & 0xFFFFFFFFL, value());
                case MEMOIZE -> memo.put((long) memo.size(), value());
                case BINGET -> push(memoGet(u8()));
                case LONG_BINGET -> push(memoGet(next(4).getInt() & 0xFFFFFFFFL));
                case GLOBAL -> push(global(line(), line()));
                case STACK_GLOBAL -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL needs two strings, found " + describe(module) + " and " + describe(name));
                    }
                    push(global(m, n));
                }
                case BINPERSID -> push(storage(pop()));
                case REDUCE -> {
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case BUILD -> {
                    Object state = pop();
                    if (!(peek() instanceof Map<?, ?>) || !(state instanceof Map<?, ?>)) {
                        throw fail("BUILD sets the state of " + describe(peek()) + " from " + describe(state)
                                + "; a state dict only sets an OrderedDict's attributes: refused");
                    }
                    // the OrderedDict's attributes (_metadata: module versions) carry no weights
                }
                default -> throw fail("opcode " + op + " is not one a saved state dict uses: refused");
            }
        }
    }

    /** Only the names a state dict needs; everything else (posix.system, builtins.eval, ...) is refused here. */
    private Global global(String module, String name) {
        Global g = new Global(module, name);
        String q = g.qualified();
        boolean storageType = module.equals("torch") && STORAGE_TYPES.containsKey(name);
        if (!storageType && !q.equals(ORDERED_DICT) && !q.equals(REBUILD_TENSOR) && !q.equals(REBUILD_PARAMETER)) {
            throw fail("the pickle refers to " + q + ": refused (nothing was executed; a state dict needs only"
                    + " OrderedDict, the tensor rebuild functions and torch storage types)");
        }
        return g;
    }

    private Object reduce(Object callable, Object args) {
        if (!(callable instanceof Global g)) {
            throw fail("REDUCE calls " + describe(callable) + ": refused");
        }
        if (!(args instanceof Tuple(List<Object> a))) {
            throw fail("REDUCE of " + g.qualified() + " with " + describe(args) + " instead of an argument tuple");
        }
        switch (g.qualified()) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) {
                    throw fail("OrderedDict is called with " + a.size() + " arguments; torch.save passes none");
                }
                return new LinkedHashMap<>();
            }
            case REBUILD_TENSOR -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (a.size() != 6 && a.size() != 7) {
                    throw fail(REBUILD_TENSOR + " with " + a.size() + " arguments, expected 6 or 7");
                }
                if (!(a.get(0) instanceof Storage s)) {
                    throw fail(REBUILD_TENSOR + " of " + describe(a.get(0)) + " instead of a storage");
                }
                long offset = nonNegative(a.get(1), "storage offset");
                long[] size = longs(a.get(2), "size");
                long[] stride = longs(a.get(3), "stride");
                if (size.length != stride.length) {
                    throw fail(REBUILD_TENSOR + ": size has " + size.length + " dimensions, stride " + stride.length);
                }
                return new Tensor(s, offset, size, stride);
            }
            case REBUILD_PARAMETER -> {
                // (data, requires_grad, backward_hooks): a Parameter is its data
                if (a.size() != 3 || !(a.get(0) instanceof Tensor t)) {
                    throw fail(REBUILD_PARAMETER + " expects (tensor, requires_grad, hooks)");
                }
                return t;
            }
            default -> throw fail("the pickle calls " + g.qualified() + ": refused (only rebuilds tensors)");
        }
    }

    /** The persistent id {@code ('storage', torch.<T>Storage, key, location, numel)} that torch.save writes. */
    private Storage storage(Object pid) {
        if (pid instanceof Tuple(List<Object> p) && p.size() == 5 && "storage".equals(p.get(0))
                && p.get(1) instanceof Global type && type.module().equals("torch")
                && STORAGE_TYPES.containsKey(type.name()) && p.get(2) instanceof String key
                && p.get(3) instanceof String) {
            return new Storage(key, STORAGE_TYPES.get(type.name()), nonNegative(p.get(4), "storage size"));
        }
        throw fail("persistent id is " + describe(pid)
                + ", not ('storage', torch.<Type>Storage, key, location, numel): refused");
    }

    private long nonNegative(Object v, String what) {
        if (!(v instanceof Long l) || l < 0) {
            throw fail(what + " is " + describe(v) + ", expected a non-negative int");
        }
        return l;
    }

    private long[] longs(Object v, String what) {
        if (!(v instanceof Tuple(List<Object> items))) {
            throw fail(what + " is " + describe(v) + ", expected a tuple of ints");
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(items.get(i), what + "[" + i + "]");
        }
        return out;
    }

    // ------------------------------------------------------------------ stack, memo and bytes

    private Object pop() {
        Object v = value();
        stack.removeLast();
        return v;
    }

    private void push(Object v) {
        if (++pushed > MAX_VALUES) {
            throw fail("more than " + MAX_VALUES + " values: too large for a state dict");
        }
        stack.add(v);
    }

    /** The top of the stack, which must be a value (not a MARK). */
    private Object value() {
        Object v = peek();
        if (v == Marker.MARK) {
            throw fail("a MARK where a value belongs");
        }
        return v;
    }

    /**
     * Dict keys must be hashable, as in Python: a list or dict as a key is refused (and could hold itself, which
     * Java's hashCode would follow forever).
     */
    private Object key(Object k) {
        if (k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean
                || k == Marker.NONE) {
            return k;
        }
        throw fail("a dict key that is " + describe(k) + "; a state dict's keys are strings");
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw fail("the stack is empty");
        }
        return stack.getLast();
    }

    private List<Object> popToMark() {
        int mark = stack.lastIndexOf(Marker.MARK);
        if (mark < 0) {
            throw fail("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private Object memoGet(long index) {
        Object v = memo.get(index);
        if (v == null) {
            throw fail("memo slot " + index + " was never set");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object v) {
        if (v instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail("appends to " + describe(v));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object v) {
        if (v instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail("sets an item of " + describe(v));
    }

    private int u8() {
        return next(1).get() & 0xFF;
    }

    /** The next {@code n} bytes as a little-endian buffer (and past them). */
    private ByteBuffer next(int n) {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] bytes(long n) {
        if (n < 0 || n > in.remaining()) {
            throw fail("needs " + Long.toUnsignedString(n) + " bytes but only " + in.remaining()
                    + " remain (truncated?)");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    /** LONG1: a little-endian two's complement integer of up to 255 bytes; we need only those that fit a long. */
    private long long1() {
        byte[] b = bytes(u8());
        if (b.length > 8) {
            throw fail("an integer of " + b.length + " bytes, larger than any size or offset");
        }
        long v = b.length > 0 && b[b.length - 1] < 0 ? -1L : 0L;
        for (int i = b.length - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    private String utf8(long n) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes(n))).toString();
        } catch (CharacterCodingException e) {
            throw fail("a string that is not valid UTF-8");
        }
    }

    /** A newline-terminated ASCII line of GLOBAL. */
    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (!in.hasRemaining()) {
                throw fail("the pickle ends inside a GLOBAL name (truncated?)");
            }
            int c = in.get() & 0xFF;
            if (c == '\n') {
                return sb.toString();
            }
            if (c < 0x20 || c > 0x7E || sb.length() > 200) {
                throw fail("a GLOBAL name that is not a short printable ASCII line");
            }
            sb.append((char) c);
        }
    }

    private ModelFormatException fail(String problem) {
        return ModelFormatException.in(file, entry + " byte " + opStart + " (" + op + "): " + problem);
    }

    /** A value's Python type, with its article, for messages ("an int", "a tuple of 3"). */
    private static String describe(Object v) {
        return switch (v) {
            case null -> "nothing";
            case Marker.NONE -> "None";
            case Marker m -> "a " + m.name();
            case Long l -> "an int";
            case Double d -> "a float";
            case String s -> "a str";
            case Boolean b -> "a bool";
            case Tuple t -> "a tuple of " + t.items().size();
            case List<?> l -> "a list";
            case Map<?, ?> m -> "a dict";
            case Global g -> g.qualified();
            case Storage s -> "a storage";
            case Tensor t -> "a tensor";
            default -> "a " + v.getClass().getSimpleName();
        };
    }

    /** Every pickle opcode (pickletools' names), so that a refusal can name the one it met. */
    private enum Opcode {
        MARK('('), STOP('.'), POP('0'), POP_MARK('1'), DUP('2'), FLOAT('F'), INT('I'), BININT('J'), BININT1('K'),
        LONG('L'), BININT2('M'), NONE('N'), PERSID('P'), BINPERSID('Q'), REDUCE('R'), STRING('S'), BINSTRING('T'),
        SHORT_BINSTRING('U'), UNICODE('V'), BINUNICODE('X'), APPEND('a'), BUILD('b'), GLOBAL('c'), DICT('d'),
        EMPTY_DICT('}'), APPENDS('e'), GET('g'), BINGET('h'), INST('i'), LONG_BINGET('j'), LIST('l'),
        EMPTY_LIST(']'), OBJ('o'), PUT('p'), BINPUT('q'), LONG_BINPUT('r'), SETITEM('s'), TUPLE('t'),
        EMPTY_TUPLE(')'), SETITEMS('u'), BINFLOAT('G'), BINBYTES('B'), SHORT_BINBYTES('C'),
        PROTO(0x80), NEWOBJ(0x81), EXT1(0x82), EXT2(0x83), EXT4(0x84), TUPLE1(0x85), TUPLE2(0x86), TUPLE3(0x87),
        NEWTRUE(0x88), NEWFALSE(0x89), LONG1(0x8a), LONG4(0x8b), SHORT_BINUNICODE(0x8c), BINUNICODE8(0x8d),
        BINBYTES8(0x8e), EMPTY_SET(0x8f), ADDITEMS(0x90), FROZENSET(0x91), NEWOBJ_EX(0x92), STACK_GLOBAL(0x93),
        MEMOIZE(0x94), FRAME(0x95), BYTEARRAY8(0x96), NEXT_BUFFER(0x97), READONLY_BUFFER(0x98);

        private static final Opcode[] BY_CODE = new Opcode[256];

        static {
            for (Opcode o : values()) {
                BY_CODE[o.code] = o;
            }
        }

        final int code;

        Opcode(int code) {
            this.code = code;
        }

        static Opcode of(int code) {
            return BY_CODE[code];
        }
    }
}
