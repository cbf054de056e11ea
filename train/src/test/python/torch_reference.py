#!/usr/bin/python3
"""The PyTorch reference for KoEmbed's training tests (test tooling only; KoEmbed never runs Python).

Debian's python3-torch has no transformers or sentence-transformers beside it, so this script builds the encoder
in plain torch from model.safetensors (read by hand), as transformers' modeling code computes it (padded batch with
an attention mask, RoBERTa position ids, exact GELU, no dropout), with sentence-transformers' mean pooling, and
first proves that it gives the fixture's expected embeddings (made by the real transformers + sentence-transformers).
Then, on fixed batches of the fixture's token ids, torch's autograd gives each loss's value and gradients, and
torch.optim.AdamW runs three steps. Everything goes to train/src/test/resources/torch-reference/; README.md there
says what each file holds.

Run from the repository root:  /usr/bin/python3 train/src/test/python/torch_reference.py
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FIXTURE = os.path.join(ROOT, "testdata", "fixtures", "tiny-xlmr-ko")
EXPECTED = os.path.join(ROOT, "testdata", "fixtures", "tiny-xlmr-ko-expected")
OUT = os.path.join(ROOT, "train", "src", "test", "resources", "torch-reference")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Encoder:
    """XLMRobertaModel's forward pass (no pooler) over named leaf tensors."""

    def __init__(self, config, weights):
        self.c = config
        self.w = {k: v.clone().requires_grad_(True) for k, v in weights.items() if not k.startswith("pooler.")}

    def forward(self, batch_ids):
        c, w = self.c, self.w
        pad = c["pad_token_id"]
        n = max(len(x) for x in batch_ids)
        ids = torch.tensor([x + [pad] * (n - len(x)) for x in batch_ids])
        mask = torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in batch_ids])
        # create_position_ids_from_input_ids: padding_idx + cumulative count of non-pad tokens (a literal <pad> in a
        # text counts as padding there too)
        real = ids.ne(pad).long()
        positions = torch.cumsum(real, dim=1) * real + pad
        h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions] \
            + w["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)]
        eps = c["layer_norm_eps"]
        h = torch.nn.functional.layer_norm(h, (c["hidden_size"],), w["embeddings.LayerNorm.weight"],
                                           w["embeddings.LayerNorm.bias"], eps)
        heads = c["num_attention_heads"]
        d = c["hidden_size"] // heads
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in range(c["num_hidden_layers"]):
            p = "encoder.layer.%d." % l

            def lin(x, name):
                return torch.nn.functional.linear(x, w[p + name + ".weight"], w[p + name + ".bias"])

            def split(x):
                return x.view(x.shape[0], n, heads, d).permute(0, 2, 1, 3)

            q, k, v = split(lin(h, "attention.self.query")), split(lin(h, "attention.self.key")), \
                split(lin(h, "attention.self.value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive
            ctx = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(h.shape)
            h = torch.nn.functional.layer_norm(lin(ctx, "attention.output.dense") + h, (c["hidden_size"],),
                                               w[p + "attention.output.LayerNorm.weight"],
                                               w[p + "attention.output.LayerNorm.bias"], eps)
            f = lin(torch.nn.functional.gelu(lin(h, "intermediate.dense")), "output.dense")
            h = torch.nn.functional.layer_norm(f + h, (c["hidden_size"],), w[p + "output.LayerNorm.weight"],
                                               w[p + "output.LayerNorm.bias"], eps)
        return h, mask

    def embed(self, batch_ids):
        """sentence-transformers' Pooling with mean tokens."""
        h, mask = self.forward(batch_ids)
        m = mask.unsqueeze(-1).float()
        return (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


def normalize(x):
    return torch.nn.functional.normalize(x, p=2, dim=1)


def cosent(emb, labels, scale=20.0):
    scores = (normalize(emb[0]) * normalize(emb[1])).sum(-1) * scale
    scores = scores[:, None] - scores[None, :]
    lab = (labels[:, None] < labels[None, :]).float()
    scores = scores - (1 - lab) * 1e12
    return torch.logsumexp(torch.cat((torch.zeros(1), scores.view(-1))), dim=0)


def cosine(emb, labels):
    return torch.nn.functional.mse_loss(torch.cosine_similarity(emb[0], emb[1]), labels)


def mnrl(emb, labels, scale=20.0):
    scores = normalize(emb[0]) @ normalize(torch.cat(emb[1:])).T * scale
    return torch.nn.functional.cross_entropy(scores, torch.arange(len(emb[0])))


def softmax_loss(classifier):
    def loss(emb, labels):
        u, v = emb
        return torch.nn.functional.cross_entropy(classifier(torch.cat([u, v, (u - v).abs()], 1)), labels.long())
    return loss


def main():
    config = json.load(open(os.path.join(FIXTURE, "config.json")))
    weights = read_safetensors(os.path.join(FIXTURE, "model.safetensors"))
    items = json.load(open(os.path.join(EXPECTED, "tokenization.json")))["items"]
    expected = {e["id"]: e["embedding"] for e in json.load(open(os.path.join(EXPECTED, "embeddings.json")))["items"]}
    ids = [it["st_input_ids"] for it in items]

    # 1. this torch encoder is transformers' + sentence-transformers': the fixture's embeddings, made by them
    enc = Encoder(config, weights)
    with torch.no_grad():
        worst = 0.0
        for start in range(0, len(items), 16):
            got = enc.embed(ids[start:start + 16])
            for i, it in enumerate(items[start:start + 16]):
                if it["id"] in expected:
                    worst = max(worst, (got[i] - torch.tensor(expected[it["id"]])).abs().max().item())
    print("max |torch - fixture embedding| = %.3g over %d texts" % (worst, len(expected)))
    if worst > 1e-5:
        sys.exit("the torch encoder does not reproduce the fixture's embeddings")

    os.makedirs(OUT, exist_ok=True)
    # 2. each loss's value and gradients on one fixed batch (dropout off)
    pairs = [[ids[0], ids[1]], [ids[2], ids[3]], [ids[4], ids[5]], [ids[6], ids[7]]]
    batches = {
        "cosent": (cosent, pairs, [0.2, 0.9, 0.5, 0.7]),
        "cosine": (cosine, pairs, [0.2, 0.9, 0.5, 0.7]),
        "mnrl": (mnrl, [[ids[0], ids[1], ids[2]], [ids[3], ids[4], ids[5]], [ids[6], ids[7], ids[8]]], [0, 0, 0]),
        "softmax": (None, pairs, [0, 1, 2, 1]),
    }
    torch.manual_seed(0)
    classifier = torch.nn.Linear(3 * config["hidden_size"], 3)
    write_safetensors(os.path.join(OUT, "softmax-classifier.safetensors"),
                      {"classifier.weight": classifier.weight, "classifier.bias": classifier.bias})
    summary = {"fixture": "tiny-xlmr-ko", "max_abs_fixture_difference": worst, "losses": {}}
    for name, (fn, rows, labels) in batches.items():
        enc = Encoder(config, weights)
        fn = fn or softmax_loss(classifier)
        columns = [[r[c] for r in rows] for c in range(len(rows[0]))]
        emb = [enc.embed(col) for col in columns]
        for e in emb:
            e.retain_grad()
        loss = fn(emb, torch.tensor(labels, dtype=torch.float32))
        loss.backward()
        grads = {k: v.grad for k, v in enc.w.items() if k != "embeddings.word_embeddings.weight"}
        used = sorted({t for r in rows for x in r for t in x})
        grads["word_rows"] = enc.w["embeddings.word_embeddings.weight"].grad[used]
        for c, e in enumerate(emb):
            grads["d_embeddings.%d" % c] = e.grad
        write_safetensors(os.path.join(OUT, "grads-%s.safetensors" % name), grads)
        summary["losses"][name] = {"rows": [[list(x) for x in r] for r in rows], "labels": labels,
                                   "loss": loss.item(), "word_rows": used}
        print("%-8s loss %.6f" % (name, loss.item()))

    # 3. three AdamW steps with CoSENT: weight decay 0.01 but on biases and LayerNorm, lr 1e-3 on transformers'
    # linear schedule with 1 warm-up step of 3 (so the rates are 0, 1e-3, 5e-4), gradient norm clipped to 1
    enc = Encoder(config, weights)
    decay = [v for k, v in enc.w.items() if not (k.endswith("bias") or "LayerNorm" in k)]
    no_decay = [v for k, v in enc.w.items() if k.endswith("bias") or "LayerNorm" in k]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    warmup, total = 1, 3
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    step_batches = [(pairs, [0.2, 0.9, 0.5, 0.7]),
                    ([[ids[8], ids[9]], [ids[10], ids[11]], [ids[12], ids[13]]], [0.1, 0.6, 0.3]),
                    ([[ids[14], ids[15]], [ids[16], ids[17]], [ids[18], ids[19]], [ids[20], ids[21]]],
                     [0.8, 0.4, 0.4, 0.0])]
    summary["adamw"] = {"lr": 1e-3, "warmup_steps": warmup, "total_steps": total, "weight_decay": 0.01,
                        "max_grad_norm": 1.0, "steps": []}
    for s, (rows, labels) in enumerate(step_batches):
        opt.zero_grad()
        emb = [enc.embed([r[c] for r in rows]) for c in range(2)]
        loss = cosent(emb, torch.tensor(labels))
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(enc.w.values()), 1.0)
        lr = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
        summary["adamw"]["steps"].append({"rows": rows, "labels": labels, "loss": loss.item(),
                                          "grad_norm": norm.item(), "lr": lr})
        print("step %d: loss %.6f, grad norm %.6f, lr %g" % (s + 1, loss.item(), norm.item(), lr))
    write_safetensors(os.path.join(OUT, "adamw-after-3-steps.safetensors"), enc.w)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
