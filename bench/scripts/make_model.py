#!/usr/bin/python3
"""Makes the benchmark's model: an XLM-RoBERTa *base* sized sentence-transformers directory with random
weights, its ONNX export and torch reference embeddings.

Run by bench/setup with Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx, python3-numpy). Benchmark
tooling only: KoEmbed itself never runs Python.

Writes into --out (Hub layout, as upskyy/e5-base-korean ships it, but with random weights):
  config.json, model.safetensors, modules.json, sentence_bert_config.json, config_sentence_transformers.json,
  1_Pooling/config.json, the fixture's tokenizer files (tokenizer_config.json with model_max_length 512),
  model.onnx      XLMRobertaModel's forward (inputs input_ids, attention_mask int64 [batch, seq]; output
                  last_hidden_state float32 [batch, seq, 768]), exported by torch.onnx.export
  matmul_IxO.onnx a single MatMul X[rows, I] · W[I, O] (W a random initializer) for the 768x768, 768x3072 and
                  3072x768 weight shapes, for ONNX Runtime's line in the benchmark's matmul GFLOP/s table
  reference.json  mean-pooled embeddings of fixed token-id sequences computed by the torch module below, which
                  the Java benchmark compares ONNX Runtime (and so KoEmbed) against.

Before any of that the torch module is checked against the real Hugging Face stack: it loads the tiny fixture
model (testdata/fixtures/tiny-xlmr-ko, same architecture and tensor names) and must reproduce the
embeddings that transformers + sentence-transformers computed for it (tiny-xlmr-ko-expected/embeddings.json).
"""

import argparse
import json
import math
import os
import shutil
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240607

# XLM-RoBERTa base, with the fixture tokenizer's vocabulary (8002 pieces).
CONFIG = {
    "_name_or_path": "xlmr-base-random",
    "architectures": ["XLMRobertaModel"],
    "attention_probs_dropout_prob": 0.1,
    "bos_token_id": 0,
    "classifier_dropout": None,
    "eos_token_id": 2,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 514,
    "model_type": "xlm-roberta",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "output_past": True,
    "pad_token_id": 1,
    "position_embedding_type": "absolute",
    "torch_dtype": "float32",
    "transformers_version": "4.42.4",
    "type_vocab_size": 1,
    "use_cache": True,
    "vocab_size": 8002,
}

TOKENIZER_FILES = ["tokenizer.json", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"]


START = time.time()


def log(message):
    print("[%6.1fs] %s" % (time.time() - START, message), flush=True)


# ---- the model ------------------------------------------------------------------------------------------------

class XlmrForward(torch.nn.Module):
    """XLMRobertaModel's forward pass (eval mode, absolute positions, no token_type_ids input, no pooler),
    written out op by op as transformers 4.42's eager implementation computes it. Parameters are plain tensors
    keyed by the HF state-dict names (no 'roberta.' prefix)."""

    def __init__(self, config, state):
        super().__init__()
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.head_dim = self.hidden // self.heads
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.pad = config["pad_token_id"]
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError("only hidden_act 'gelu' (erf) is implemented")
        self.names = []
        for name, tensor in state.items():
            key = name.replace(".", "__")
            self.register_buffer(key, tensor.clone().float())
            self.names.append(name)

    def p(self, name):
        return getattr(self, name.replace(".", "__"))

    def linear(self, x, prefix):
        return F.linear(x, self.p(prefix + ".weight"), self.p(prefix + ".bias"))

    def layer_norm(self, x, prefix):
        return F.layer_norm(x, (self.hidden,), self.p(prefix + ".weight"), self.p(prefix + ".bias"), self.eps)

    def forward(self, input_ids, attention_mask):
        batch, seq = input_ids.shape[0], input_ids.shape[1]
        # create_position_ids_from_input_ids: padding positions get pad, real tokens pad+1, pad+2, ...
        not_pad = input_ids.ne(self.pad).int()
        position_ids = (torch.cumsum(not_pad, dim=1).type_as(not_pad) * not_pad).long() + self.pad
        # token_type_ids default to zeros: every token gets row 0 of the (1-row) token type table.
        x = (F.embedding(input_ids, self.p("embeddings.word_embeddings.weight"))
             + self.p("embeddings.token_type_embeddings.weight")[0]
             + F.embedding(position_ids, self.p("embeddings.position_embeddings.weight")))
        x = self.layer_norm(x, "embeddings.LayerNorm")

        # get_extended_attention_mask: [batch, 1, 1, seq], 0 for real keys, float32 min for padded keys
        mask = attention_mask[:, None, None, :].to(torch.float32)
        mask = (1.0 - mask) * torch.finfo(torch.float32).min

        for i in range(self.layers):
            pre = "encoder.layer.%d." % i

            def heads(t):
                return t.view(batch, seq, self.heads, self.head_dim).permute(0, 2, 1, 3)

            q = heads(self.linear(x, pre + "attention.self.query"))
            k = heads(self.linear(x, pre + "attention.self.key"))
            v = heads(self.linear(x, pre + "attention.self.value"))
            scores = torch.matmul(q, k.transpose(-1, -2))
            scores = scores / math.sqrt(self.head_dim)
            scores = scores + mask
            probs = F.softmax(scores, dim=-1)
            ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous().view(batch, seq, self.hidden)
            x = self.layer_norm(self.linear(ctx, pre + "attention.output.dense") + x, pre + "attention.output.LayerNorm")
            h = F.gelu(self.linear(x, pre + "intermediate.dense"))
            x = self.layer_norm(self.linear(h, pre + "output.dense") + x, pre + "output.LayerNorm")
        return x


def mean_pool(hidden, attention_mask):
    """sentence-transformers' Pooling(mean): sum of the unmasked token states / max(token count, 1e-9)."""
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


def pad_batch(seqs, pad):
    longest = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), longest), dtype=torch.long)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[r, :len(s)] = 1
    return ids, mask


# ---- random weights -------------------------------------------------------------------------------------------

def random_state(config):
    """HF's _init_weights (normal(0, initializer_range) for Linear and Embedding weights, padding_idx rows of the
    embeddings zeroed), except: Linear biases and LayerNorm weights/biases are small random values instead of
    0 / 1 / 0, so that a missing bias, a transposed bias or a LayerNorm mix-up changes the output visibly."""
    g = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    h, f, std = config["hidden_size"], config["intermediate_size"], config["initializer_range"]
    pad = config["pad_token_id"]

    def normal(*shape, s=std):
        return torch.randn(*shape, generator=g) * s

    def ln_weight():
        return 1.0 + normal(h, s=0.1)

    def ln_bias():
        return normal(h, s=0.05)

    state = {}
    state["embeddings.word_embeddings.weight"] = normal(config["vocab_size"], h)
    state["embeddings.word_embeddings.weight"][pad].zero_()
    state["embeddings.position_embeddings.weight"] = normal(config["max_position_embeddings"], h)
    state["embeddings.position_embeddings.weight"][pad].zero_()
    state["embeddings.token_type_embeddings.weight"] = normal(config["type_vocab_size"], h)
    state["embeddings.LayerNorm.weight"] = ln_weight()
    state["embeddings.LayerNorm.bias"] = ln_bias()
    for i in range(config["num_hidden_layers"]):
        pre = "encoder.layer.%d." % i
        for name, out_dim, in_dim in (("attention.self.query", h, h), ("attention.self.key", h, h),
                                      ("attention.self.value", h, h), ("attention.output.dense", h, h)):
            state[pre + name + ".weight"] = normal(out_dim, in_dim)
            state[pre + name + ".bias"] = normal(out_dim)
            if name == "attention.output.dense":
                state[pre + "attention.output.LayerNorm.weight"] = ln_weight()
                state[pre + "attention.output.LayerNorm.bias"] = ln_bias()
        state[pre + "intermediate.dense.weight"] = normal(f, h)
        state[pre + "intermediate.dense.bias"] = normal(f)
        state[pre + "output.dense.weight"] = normal(h, f)
        state[pre + "output.dense.bias"] = normal(h)
        state[pre + "output.LayerNorm.weight"] = ln_weight()
        state[pre + "output.LayerNorm.bias"] = ln_bias()
    state["pooler.dense.weight"] = normal(h, h)
    state["pooler.dense.bias"] = normal(h)
    return {k: v.contiguous() for k, v in state.items()}


# ---- safetensors, by hand -------------------------------------------------------------------------------------

def write_safetensors(path, state):
    """8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}} padded with spaces
    to a multiple of 8, then the raw little-endian float32 data in header order."""
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name, tensor in state.items():
        data = tensor.detach().cpu().contiguous().numpy().astype("<f4", copy=False).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for b in blobs:
            out.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        state = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] != "F32":
                raise ValueError("%s: dtype %s, expected F32" % (name, info["dtype"]))
            start, end = info["data_offsets"]
            f.seek(base + start)
            arr = np.frombuffer(f.read(end - start), dtype="<f4").reshape(info["shape"])
            state[name] = torch.from_numpy(arr.copy())
        return state


# ---- checks ---------------------------------------------------------------------------------------------------

def check_against_hf_fixture(fixture_dir):
    """The torch module must give what transformers + sentence-transformers gave for the tiny fixture model."""
    expected_dir = fixture_dir.rstrip("/") + "-expected"
    with open(os.path.join(fixture_dir, "config.json")) as f:
        config = json.load(f)
    model = XlmrForward(config, read_safetensors(os.path.join(fixture_dir, "model.safetensors"))).eval()
    with open(os.path.join(expected_dir, "tokenization.json")) as f:
        ids = {item["id"]: item["st_input_ids"] for item in json.load(f)["items"]}
    with open(os.path.join(expected_dir, "embeddings.json")) as f:
        items = json.load(f)["items"]
    worst = 0.0
    with torch.no_grad():
        for start in range(0, len(items), 16):
            chunk = items[start:start + 16]
            input_ids, mask = pad_batch([ids[it["id"]] for it in chunk], config["pad_token_id"])
            got = mean_pool(model(input_ids, mask), mask)
            want = torch.tensor([it["embedding"] for it in chunk], dtype=torch.float32)
            worst = max(worst, (got - want).abs().max().item())
    log("check: torch module vs transformers/sentence-transformers on the tiny fixture (%d texts): "
          "max abs diff %.3g" % (len(items), worst))
    if worst > 1e-4:
        sys.exit("make_model.py: the torch module does not reproduce the HF reference (max abs diff %g)" % worst)


def reference_sequences(config):
    """Fixed token-id sequences <s> ... </s>, lengths from 2 to 512, content ids drawn from the vocabulary
    (no special ids), made with their own seeded generator."""
    rng = np.random.RandomState(7)
    lengths = [2, 3, 7, 16, 31, 64, 100, 128, 257, 512]
    seqs = []
    for n in lengths:
        body = rng.randint(4, config["vocab_size"] - 1, size=n - 2).tolist()
        seqs.append([config["bos_token_id"]] + body + [config["eos_token_id"]])
    return seqs


def write_matmul_models(out, opset):
    """One-node ONNX models Y = X · W for the linear layers' weight shapes (MLAS's SGEMM with a prepacked
    constant B, as in the exported encoder's MatMul nodes)."""
    from onnx import TensorProto, helper, numpy_helper, save
    rng = np.random.RandomState(11)
    for i, o in ((768, 768), (768, 3072), (3072, 768)):
        w = (rng.standard_normal((i, o)) * 0.02).astype(np.float32)
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"])], "matmul_%dx%d" % (i, o),
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", i])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", o])],
            initializer=[numpy_helper.from_array(w, "w")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="koembed-bench make_model.py")
        onnx_checker(model)
        save(model, os.path.join(out, "matmul_%dx%d.onnx" % (i, o)))


def onnx_checker(model):
    import onnx
    onnx.checker.check_model(model)


# ---- main -----------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="model directory to write")
    ap.add_argument("--tokenizer", required=True, help="folder with the tokenizer files (the tiny-xlmr-ko fixture)")
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    check_against_hf_fixture(args.tokenizer)

    out = args.out
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    config = dict(CONFIG)
    state = random_state(config)

    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    log("wrote model.safetensors (%d tensors, %.1f M parameters)" % (len(state), sum(t.numel() for t in state.values()) / 1e6))
    reread = read_safetensors(os.path.join(out, "model.safetensors"))
    assert list(reread) == list(state) and all(torch.equal(reread[k], state[k]) for k in state), "safetensors round trip"

    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    files = {
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": "3.0.1", "transformers": "4.42.4", "pytorch": torch.__version__},
            "prompts": {}, "default_prompt_name": None, "similarity_fn_name": None},
        "1_Pooling/config.json": {
            "word_embedding_dimension": config["hidden_size"],
            "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False, "include_prompt": True},
    }
    for name, content in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(content, f, indent=2)
            f.write("\n")
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(args.tokenizer, name), os.path.join(out, name))
    with open(os.path.join(out, "tokenizer_config.json")) as f:
        tc = json.load(f)
    tc["model_max_length"] = 512
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# xlmr-base-random\n\nRandomly initialised XLM-RoBERTa base sized model (seed %d) made by "
                "bench/scripts/make_model.py for the KoEmbed benchmark; NOT a trained model. Tokenizer files "
                "from testdata/fixtures/tiny-xlmr-ko.\n" % SEED)

    model = XlmrForward(config, state).eval()

    # Reference embeddings: each sequence alone (no padding) is the truth; the same sequences as one padded
    # batch must agree with it (checks the module's own padding handling).
    seqs = reference_sequences(config)
    with torch.no_grad():
        singles = []
        for s in seqs:
            ids, mask = pad_batch([s], config["pad_token_id"])
            singles.append(mean_pool(model(ids, mask), mask)[0])
        singles = torch.stack(singles)
        ids, mask = pad_batch(seqs, config["pad_token_id"])
        batched = mean_pool(model(ids, mask), mask)
    pad_diff = (singles - batched).abs().max().item()
    log("check: torch module, padded batch of %d vs one by one: max abs diff %.3g" % (len(seqs), pad_diff))
    if pad_diff > 1e-4:
        sys.exit("make_model.py: padding changes the torch module's output (max abs diff %g)" % pad_diff)
    log("computed reference embeddings")
    reference = {
        "description": "mean-pooled last_hidden_state of the torch XlmrForward module in make_model.py, each "
                       "sequence run alone (no padding); float32 values printed as shortest round-trip doubles",
        "torch": torch.__version__,
        "seed": SEED,
        "pad_token_id": config["pad_token_id"],
        "dimension": config["hidden_size"],
        "padded_batch_vs_single_max_abs_diff": pad_diff,
        "items": [{"input_ids": s, "embedding": [float(x) for x in e.tolist()]} for s, e in zip(seqs, singles)],
    }

    # ONNX export: inputs input_ids and attention_mask (int64 [batch, seq]), output last_hidden_state.
    onnx_path = os.path.join(out, "model.onnx")
    example_ids, example_mask = pad_batch(seqs[:3], config["pad_token_id"])
    with torch.no_grad():
        torch.onnx.export(
            model, (example_ids, example_mask), onnx_path,
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=args.opset, do_constant_folding=True)
    log("exported model.onnx")
    import onnx
    proto = onnx.load(onnx_path)
    onnx.checker.check_model(proto)
    log("onnx: %s, opset %d, %d nodes, inputs %s, outputs %s" % (
        onnx_path, proto.opset_import[0].version, len(proto.graph.node),
        [i.name for i in proto.graph.input], [o.name for o in proto.graph.output]))

    write_matmul_models(out, args.opset)
    log("wrote matmul_*.onnx")

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    log("wrote %s" % out)


if __name__ == "__main__":
    main()
