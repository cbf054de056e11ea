#!/usr/bin/python3
"""The PyTorch reference for KoEmbed's training tests (test tooling only; KoEmbed never runs Python).

Debian's python3-torch has no transformers or sentence-transformers beside it, so this script builds the encoder in
plain torch from model.safetensors (read by hand) as transformers' BertModel / RobertaModel / XLMRobertaModel
compute it (padded batch with an attention mask, RoBERTa position ids counted from padding_idx + 1, LayerNorm eps
from config.json, exact erf GELU, no dropout, pooler unused), followed by sentence-transformers' mean pooling, and
first proves that it reproduces each fixture's expected embeddings (made by the real transformers 4.42.4 +
sentence-transformers 3.0.1) from the token ids in the fixture's tokenization.json; it exits with an error if not.
Then, on fixed batches of those token ids, torch's autograd gives each loss's value and gradients, and
torch.optim.AdamW runs three steps. Everything goes to train/src/test/resources/torch-reference/; README.md there
says what each file holds.

Run from anywhere:  /usr/bin/python3 train/src/test/python/torch_reference.py
(python3-torch 1.13 and python3-numpy from Debian; the output is deterministic: a rerun rewrites the same bytes.)
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "testdata", "fixtures")
OUT = os.path.join(ROOT, "train", "src", "test", "resources", "torch-reference")

# The largest |torch - fixture| accepted for a sentence embedding element (the fixtures' values are about 1).
FIXTURE_TOLERANCE = 1e-5
WORD_TABLE = "embeddings.word_embeddings.weight"


def fail(message):
    sys.exit("torch_reference.py: " + message)


def read_safetensors(path):
    """name -> float32 tensor; the format: u64 LE header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            fail("%s: tensor %s is %s, only F32 is read" % (path, name, info["dtype"]))
        begin, end = info["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4").copy()
        tensors[name] = torch.from_numpy(values).reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors):
    """As the safetensors library writes F32: tensors in name order, the header padded with spaces to 8 bytes."""
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        raw = tensors[name].detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Encoder:
    """transformers' BertModel / RobertaModel / XLMRobertaModel forward pass (eval mode, no pooler) over named leaf
    tensors, plus sentence-transformers' mean Pooling."""

    def __init__(self, fixture, dtype=torch.float32):
        directory = os.path.join(FIXTURES, fixture)
        self.fixture = fixture
        self.c = c = json.load(open(os.path.join(directory, "config.json")))
        if c["model_type"] not in ("bert", "roberta", "xlm-roberta"):
            fail("%s: model_type %s is not built here" % (fixture, c["model_type"]))
        if c["hidden_act"] != "gelu" or c.get("position_embedding_type", "absolute") != "absolute":
            fail("%s: only exact gelu and absolute positions are built here" % fixture)
        weights = read_safetensors(os.path.join(directory, "model.safetensors"))
        # the pooler is in the file but sentence-transformers never uses its output: it gets no gradient and
        # torch.optim skips it, so it is left out here
        self.w = {k: v.to(dtype).clone().requires_grad_(True) for k, v in weights.items() if not k.startswith("pooler.")}
        missing = [k for k in self.names() if k not in self.w]
        if missing:
            fail("%s: model.safetensors lacks %s" % (fixture, missing))
        self.roberta = c["model_type"] != "bert"
        self.dtype = dtype

    def names(self):
        c = self.c
        names = ["embeddings." + t for t in ("word_embeddings.weight", "position_embeddings.weight",
                                             "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias")]
        for l in range(c["num_hidden_layers"]):
            for t in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                      "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
                names += ["encoder.layer.%d.%s.weight" % (l, t), "encoder.layer.%d.%s.bias" % (l, t)]
        return names

    def forward(self, batch_ids):
        """last_hidden_state [B, n, H] and attention mask [B, n] of sequences padded as the tokenizer pads them."""
        c, w = self.c, self.w
        pad = c["pad_token_id"]
        n = max(len(x) for x in batch_ids)
        ids = torch.tensor([x + [pad] * (n - len(x)) for x in batch_ids])
        mask = torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in batch_ids])
        if self.roberta:
            # create_position_ids_from_input_ids: padding_idx + running count of non-padding tokens
            real = ids.ne(pad).long()
            positions = torch.cumsum(real, dim=1) * real + pad
        else:
            positions = torch.arange(n).expand(len(batch_ids), n)
        # single texts: the BERT tokenizer's token_type_ids are all 0; RoBERTa models use their zero buffer
        types = torch.zeros_like(ids)
        # nn.Embedding(padding_idx=pad) for words (and for RoBERTa's positions): that row never gets a gradient
        h = torch.nn.functional.embedding(ids, w[WORD_TABLE], padding_idx=pad) \
            + torch.nn.functional.embedding(positions, w["embeddings.position_embeddings.weight"],
                                            padding_idx=pad if self.roberta else None) \
            + torch.nn.functional.embedding(types, w["embeddings.token_type_embeddings.weight"])
        size, eps = c["hidden_size"], c["layer_norm_eps"]

        def norm(x, name):
            return torch.nn.functional.layer_norm(x, (size,), w[name + ".weight"], w[name + ".bias"], eps)

        h = norm(h, "embeddings.LayerNorm")
        heads = c["num_attention_heads"]
        d = size // heads
        additive = (1.0 - mask[:, None, None, :].to(self.dtype)) * torch.finfo(self.dtype).min
        for l in range(c["num_hidden_layers"]):
            p = "encoder.layer.%d." % l

            def linear(x, name):
                return torch.nn.functional.linear(x, w[p + name + ".weight"], w[p + name + ".bias"])

            def split(x):
                return x.view(x.shape[0], n, heads, d).permute(0, 2, 1, 3)

            q = split(linear(h, "attention.self.query"))
            k = split(linear(h, "attention.self.key"))
            v = split(linear(h, "attention.self.value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive
            context = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(h.shape)
            h = norm(linear(context, "attention.output.dense") + h, p + "attention.output.LayerNorm")
            f = linear(torch.nn.functional.gelu(linear(h, "intermediate.dense")), "output.dense")
            h = norm(f + h, p + "output.LayerNorm")
        return h, mask

    def embed(self, batch_ids):
        """sentence-transformers' Pooling, mean tokens: sum of the unmasked states / max(count, 1e-9)."""
        h, mask = self.forward(batch_ids)
        m = mask.unsqueeze(-1).to(self.dtype)
        return (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


def check_fixture(fixture):
    """The fixture's expected embeddings from its tokenization's st_input_ids, batched as encode() batches them
    (16 texts, longest text first); returns the largest difference, exits if it is above FIXTURE_TOLERANCE."""
    expected_dir = os.path.join(FIXTURES, fixture + "-expected")
    items = json.load(open(os.path.join(expected_dir, "tokenization.json")))["items"]
    expected = {e["id"]: e["embedding"] for e in json.load(open(os.path.join(expected_dir, "embeddings.json")))["items"]}
    items = sorted((it for it in items if it["id"] in expected), key=lambda it: -len(it["text"]))
    if len(items) != len(expected):
        fail("%s: %d expected embeddings but %d of them tokenized" % (fixture, len(expected), len(items)))
    encoder = Encoder(fixture)
    worst = 0.0
    with torch.no_grad():
        for start in range(0, len(items), 16):
            batch = items[start:start + 16]
            got = encoder.embed([it["st_input_ids"] for it in batch])
            want = torch.tensor([expected[it["id"]] for it in batch])
            worst = max(worst, (got - want).abs().max().item())
    print("%-20s max |torch - fixture embedding| = %.3g over %d texts" % (fixture, worst, len(items)))
    if not worst <= FIXTURE_TOLERANCE:
        fail("%s: the torch encoder does not reproduce the fixture's embeddings (max difference %g > %g)"
             % (fixture, worst, FIXTURE_TOLERANCE))
    return {"texts": len(items), "max_abs_difference": worst}


def token_ids(fixture):
    items = json.load(open(os.path.join(FIXTURES, fixture + "-expected", "tokenization.json")))["items"]
    return [it["st_input_ids"] for it in items]


# ---- the losses, as sentence-transformers 3.x defines them (util.cos_sim / pairwise_cos_sim normalize first) ----

def normalize(x):
    return torch.nn.functional.normalize(x, p=2, dim=1)


def cosent(emb, labels, scale=20.0):
    scores = (normalize(emb[0]) * normalize(emb[1])).sum(-1) * scale
    scores = scores[:, None] - scores[None, :]
    larger = (labels[:, None] < labels[None, :]).to(scores.dtype)
    scores = scores - (1 - larger) * 1e12
    return torch.logsumexp(torch.cat((scores.new_zeros(1), scores.view(-1))), dim=0)


def cosine(emb, labels):
    return torch.nn.functional.mse_loss(torch.cosine_similarity(emb[0], emb[1]), labels.view(-1))


def mnrl(emb, labels, scale=20.0):
    scores = normalize(emb[0]) @ normalize(torch.cat(emb[1:])).T * scale
    return torch.nn.functional.cross_entropy(scores, torch.arange(len(emb[0])))


def softmax_loss(emb, labels, classifier):
    u, v = emb
    logits = torch.nn.functional.linear(torch.cat([u, v, (u - v).abs()], 1), classifier["classifier.weight"],
                                        classifier["classifier.bias"])
    return torch.nn.functional.cross_entropy(logits, labels.long().view(-1))


SETTINGS = {
    "cosent": {"class": "CoSENTLoss", "scale": 20.0, "similarity_fct": "pairwise_cos_sim"},
    "cosine": {"class": "CosineSimilarityLoss", "loss_fct": "MSELoss (mean)", "cos_score_transformation": "Identity"},
    "mnrl": {"class": "MultipleNegativesRankingLoss", "scale": 20.0, "similarity_fct": "cos_sim",
             "columns": ["anchor", "positive", "hard negative"]},
    "softmax": {"class": "SoftmaxLoss", "num_labels": 3, "features": "(u, v, |u - v|)",
                "loss_fct": "CrossEntropyLoss (mean)",
                "classifier_init": "torch.manual_seed(0); torch.nn.Linear(3 * 64, 3) (weight, then bias)"},
}


def run_loss(fixture, loss, rows, labels, classifier, dtype):
    """Embeddings, loss and every gradient of one batch: rows = per example, the token ids of each text column.
    As sentence-transformers runs it, each column is one padded batch through the model."""
    encoder = Encoder(fixture, dtype)
    columns = [[r[c] for r in rows] for c in range(len(rows[0]))]
    emb = [encoder.embed(column) for column in columns]
    for e in emb:
        e.retain_grad()
    extra = {}
    if loss == "softmax":
        extra = {k: v.detach().to(dtype).clone().requires_grad_(True) for k, v in classifier.items()}
        value = softmax_loss(emb, torch.tensor(labels, dtype=dtype), extra)
    else:
        value = {"cosent": cosent, "cosine": cosine, "mnrl": mnrl}[loss](emb, torch.tensor(labels, dtype=dtype))
    value.backward()
    grads = {k: v.grad for k, v in encoder.w.items()}
    grads.update({k: v.grad for k, v in extra.items()})
    return value.item(), emb, grads


def gradient_case(fixture, loss, rows, labels, classifier=None):
    """One loss case: writes grads-NAME.safetensors and returns its reference.json entry."""
    name = loss if fixture == "tiny-xlmr-ko" else loss + "-" + fixture.split("-")[1]
    value, emb, grads = run_loss(fixture, loss, rows, labels, classifier, torch.float32)
    used = sorted({t for r in rows for x in r for t in x})
    word = grads.pop(WORD_TABLE)
    untouched = torch.ones(word.shape[0], dtype=torch.bool)
    untouched[used] = False
    if word[untouched].abs().max().item() != 0:
        fail("%s: a word-embedding row that no batch token uses has a gradient" % name)
    tensors = dict(grads)
    tensors["word_rows"] = word[used]
    for c, e in enumerate(emb):
        tensors["d_embeddings.%d" % c] = e.grad
        tensors["sentence_embeddings.%d" % c] = e
    write_safetensors(os.path.join(OUT, "grads-%s.safetensors" % name), tensors)

    # How far torch's float32 gradients are from the same computation in float64: the noise any float32
    # implementation carries, for choosing tolerances. The key biases are left out: their gradient is zero in exact
    # arithmetic (a query's softmax does not change when all its scores move alike), so both hold only rounding noise.
    value64, _, grads64 = run_loss(fixture, loss, rows, labels, classifier, torch.float64)
    worst, key_bias = 0.0, 0.0
    for k, g in grads.items():
        if k.endswith("attention.self.key.bias"):
            key_bias = max(key_bias, g.abs().max().item())
        else:
            worst = max(worst, ((g.double() - grads64[k]).abs().max() / grads64[k].abs().max()).item())
    print("%-14s loss %.6f (float64 %.6f); float32 gradients within %.2g of each tensor's largest entry; "
          "key biases' noise %.2g" % (name, value, value64, worst, key_bias))
    return name, {"fixture": fixture, "settings": SETTINGS[loss], "rows": rows, "labels": labels, "loss": value,
                  "loss_float64": value64, "max_relative_float32_gradient_error": worst,
                  "max_abs_key_bias_gradient": key_bias, "word_rows": used}


def linear_schedule(warmup, total):
    """transformers' get_linear_schedule_with_warmup: the learning-rate factor of (0-based) step s."""
    def factor(s):
        if s < warmup:
            return s / max(1, warmup)
        return max(0.0, (total - s) / max(1, total - warmup))
    return factor


def adamw_case(fixture, batches, summary):
    """Three steps of CoSENT as transformers' Trainer runs them: backward, clip_grad_norm_(1.0), AdamW.step,
    scheduler.step, zero_grad. Writes the parameters after each step."""
    lr, warmup, total, decay, max_norm = 1e-3, 1, 3, 0.01, 1.0
    encoder = Encoder(fixture)
    # Trainer.get_decay_parameter_names: no decay for biases and LayerNorm weights
    no_decay = [k for k in encoder.w if k.endswith(".bias") or "LayerNorm" in k]
    opt = torch.optim.AdamW([
        {"params": [v for k, v in encoder.w.items() if k not in no_decay], "weight_decay": decay},
        {"params": [encoder.w[k] for k in no_decay], "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    factor = linear_schedule(warmup, total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    used = sorted({t for rows, _ in batches for r in rows for x in r for t in x})
    steps = []
    for s, (rows, labels) in enumerate(batches):
        emb = [encoder.embed([r[c] for r in rows]) for c in range(2)]
        loss = cosent(emb, torch.tensor(labels))
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(encoder.w.values()), max_norm)
        rate = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
        opt.zero_grad()
        after = {k: v for k, v in encoder.w.items() if k != WORD_TABLE}
        after["word_rows"] = encoder.w[WORD_TABLE][used]
        write_safetensors(os.path.join(OUT, "adamw-after-step-%d.safetensors" % (s + 1)), after)
        steps.append({"rows": rows, "labels": labels, "loss": loss.item(), "grad_norm": norm.item(), "lr": rate,
                      "lr_factor": factor(s)})
        print("adamw step %d: loss %.6f, gradient norm %.6f, lr %g" % (s + 1, loss.item(), norm.item(), rate))
    write_safetensors(os.path.join(OUT, "adamw-after-3-steps.safetensors"), encoder.w)
    summary["adamw"] = {
        "fixture": fixture, "loss": "cosent", "lr": lr, "warmup_steps": warmup, "total_steps": total,
        "schedule": "transformers get_linear_schedule_with_warmup: factor(s) = s / max(1, warmup) if s < warmup "
                    "else max(0, (total - s) / max(1, total - warmup)), s = 0-based step",
        "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": decay,
        "no_weight_decay": "names ending in .bias or containing LayerNorm", "max_grad_norm": max_norm,
        "grad_norm": "torch.nn.utils.clip_grad_norm_ over every encoder tensor, before clipping",
        "word_rows": used, "steps": steps}


def main():
    torch.set_num_threads(1)  # one thread: reductions in one order, so a rerun writes the same bytes
    summary = {"torch_version": torch.__version__, "fixture": "tiny-xlmr-ko",
               "fixture_checks": {f: check_fixture(f) for f in ("tiny-xlmr-ko", "tiny-bert-ko", "tiny-roberta-ko-wp")}}
    summary["max_abs_fixture_difference"] = summary["fixture_checks"]["tiny-xlmr-ko"]["max_abs_difference"]
    os.makedirs(OUT, exist_ok=True)

    ids = token_ids("tiny-xlmr-ko")
    pairs = [[ids[0], ids[1]], [ids[2], ids[3]], [ids[4], ids[5]], [ids[6], ids[7]]]
    scores = [0.2, 0.9, 0.5, 0.7]
    torch.manual_seed(0)
    linear = torch.nn.Linear(3 * 64, 3)
    classifier = {"classifier.weight": linear.weight.detach(), "classifier.bias": linear.bias.detach()}
    write_safetensors(os.path.join(OUT, "softmax-classifier.safetensors"), classifier)
    summary["losses"] = dict([
        gradient_case("tiny-xlmr-ko", "cosent", pairs, scores),
        gradient_case("tiny-xlmr-ko", "cosine", pairs, scores),
        gradient_case("tiny-xlmr-ko", "mnrl", [[ids[0], ids[1], ids[2]], [ids[3], ids[4], ids[5]],
                                              [ids[6], ids[7], ids[8]]], [0, 0, 0]),
        gradient_case("tiny-xlmr-ko", "softmax", pairs, [0, 1, 2, 1], classifier),
    ])
    bert = token_ids("tiny-bert-ko")
    name, case = gradient_case("tiny-bert-ko", "cosent", [[bert[0], bert[1]], [bert[2], bert[3]],
                                                          [bert[4], bert[5]], [bert[6], bert[7]]], scores)
    summary["losses"][name] = case

    adamw_case("tiny-xlmr-ko", [
        (pairs, scores),
        ([[ids[8], ids[9]], [ids[10], ids[11]], [ids[12], ids[13]]], [0.1, 0.6, 0.3]),
        ([[ids[14], ids[15]], [ids[16], ids[17]], [ids[18], ids[19]], [ids[20], ids[21]]], [0.8, 0.4, 0.4, 0.0]),
    ], summary)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
