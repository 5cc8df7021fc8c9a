#!/usr/bin/env python3
"""Build the small, real Argos Translate packages that the tests install.

What it makes (in ``tests/fixtures/argos/``):

* ``en_zh.argosmodel``, ``zh_en.argosmodel``, ``ja_en.argosmodel``: TRAINED tiny
  Transformers (2+2 layers, d=128, 4 heads, FFN 512, shared embeddings tied to the
  output projection), trained from scratch with PyTorch on the hotline sentences in
  ``scripts/fixture_corpus/hotline_en_zh_ja.tsv`` until they reproduce every training
  sentence exactly, then converted to an int8 CTranslate2 model.  With ja→en and
  en→zh installed, Argos translates ja→zh by pivoting through English.
* ``ko_zh-random.argosmodel``: a RANDOM-WEIGHTS Transformer (numpy, fixed seed)
  written straight into ``ctranslate2.specs.TransformerSpec``.  Its output is
  garbage; it exists to test quality guards on a real model.
* ``README.md``: the list above with sizes, corpus size and training figures.

Each package is a zip holding one folder with ``metadata.json``, ``model/`` (the
CTranslate2 directory), ``sentencepiece.model`` (trained on both sides of the
package's corpus) and ``minisbd/<from_code>.onnx``: the rule-based sentence
splitter from ``translate/argos_sbd.py``, so Argos never tries to download a
MiniSBD model.  Zip entries have fixed timestamps and order.

How to rerun::

    python3 scripts/build_argos_fixtures.py              # everything
    python3 scripts/build_argos_fixtures.py en_zh ko_zh  # only some packages

The script needs PyTorch, which must stay out of the project's ``.venv``.  Run
with any Python 3.11 that lacks torch, it creates a throwaway virtualenv (default
``/tmp/argos-fixture-venv``; override with ``ARGOS_FIXTURE_VENV``), installs
``torch==2.13.0`` (the CPU wheel that lies on this machine's disk),
``ctranslate2==4.8.5``, ``sentencepiece`` and ``numpy<2`` into it (about 40 s),
and re-runs itself there.

How long it takes (2 cores, measured): about 2 minutes of training per trained
package (250–350 full-batch steps; it stops once the int8 model reproduces all
187 training sentences with Argos's own decoding settings at two checks in a row,
and gives up after ``--max-minutes``, default 5), a second for the random
package: 6 minutes in all, plus the venv the first time.  Seeds are fixed, so
a rerun on the same machine gives the same packages; another CPU may round
differently and produce slightly different (equally exact) weights.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "scripts" / "fixture_corpus"
OUT = ROOT / "tests" / "fixtures" / "argos"
VENV = Path(os.environ.get("ARGOS_FIXTURE_VENV", "/tmp/argos-fixture-venv"))
REQUIREMENTS = ["torch==2.13.0", "ctranslate2==4.8.5", "sentencepiece>=0.2,<0.3", "numpy<2"]
ARGOS_VERSION = "1.11.0"
PACKAGE_VERSION = "0.1"
NAMES = {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean"}

# Argos 1.11's decoding settings (argostranslate/translate.py, settings.py).
ARGOS_BEAM = 4
ARGOS_LENGTH_PENALTY = 0.2


def _ensure_build_env(argv: list[str]) -> None:
    """Re-exec inside the throwaway venv unless torch and friends are importable here."""
    try:
        import ctranslate2  # noqa: F401
        import numpy  # noqa: F401
        import sentencepiece  # noqa: F401
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("_ARGOS_FIXTURE_REEXEC"):
        sys.exit("build_argos_fixtures: the build venv lacks torch/ctranslate2/sentencepiece")
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"creating build venv {VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("installing " + " ".join(REQUIREMENTS), flush=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    env = dict(os.environ, _ARGOS_FIXTURE_REEXEC="1")
    os.execve(str(py), [str(py), str(Path(__file__).resolve()), *argv], env)


# --------------------------------------------------------------------------
# Corpus and tokenizer
# --------------------------------------------------------------------------

def read_tsv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]


def train_sentencepiece(sentences: list[str], vocab_size: int):
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=buf,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        # "identity" keeps the model small (no NFKC table) and the output's
        # full-width punctuation exactly as in the corpus.
        normalization_rule_name="identity",
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    data = buf.getvalue()
    return data, spm.SentencePieceProcessor(model_proto=data)


# --------------------------------------------------------------------------
# The model: a pre-norm Transformer laid out exactly as CTranslate2 runs it
# (fused QKV for self-attention, fused KV for cross-attention, embeddings scaled
# by sqrt(d), sinusoidal positions [sin | cos] counted from 1, ReLU FFN, final
# layer norms).  Checked against ctranslate2's score_batch to 1e-6.
# --------------------------------------------------------------------------

@dataclass
class Dims:
    d: int = 128
    heads: int = 4
    ffn: int = 512
    layers: int = 2


def positions(n: int, d: int):
    import numpy as np

    half = d // 2
    inc = math.log(10000.0) / (half - 1)
    scales = np.exp(np.arange(half, dtype=np.float32) * -inc)
    t = np.arange(1, n + 1, dtype=np.float32)[:, None] * scales[None]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def build_torch_model(vocab: int, dims: Dims):
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self, decoder: bool):
            super().__init__()
            d, f = dims.d, dims.ffn
            self.ln_self, self.qkv, self.out = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, 3 * d), nn.Linear(d, d)
            if decoder:
                self.ln_cross, self.q, self.kv, self.out_cross = (
                    nn.LayerNorm(d, eps=1e-6), nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d))
            self.ln_ffn, self.ffn_in, self.ffn_out = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, f), nn.Linear(f, d)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.dims = dims
            self.emb = nn.Embedding(vocab, dims.d)
            self.enc = nn.ModuleList([Layer(False) for _ in range(dims.layers)])
            self.dec = nn.ModuleList([Layer(True) for _ in range(dims.layers)])
            self.enc_ln, self.dec_ln = nn.LayerNorm(dims.d, eps=1e-6), nn.LayerNorm(dims.d, eps=1e-6)
            self.register_buffer("pe", torch.tensor(positions(512, dims.d)), persistent=False)
            nn.init.normal_(self.emb.weight, std=dims.d ** -0.5)
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

        def _attend(self, q, k, v, mask):
            b, tq, d = q.shape
            h, dh = dims.heads, d // dims.heads
            q = q.view(b, tq, h, dh).transpose(1, 2) / math.sqrt(dh)
            k = k.view(b, -1, h, dh).transpose(1, 2)
            v = v.view(b, -1, h, dh).transpose(1, 2)
            scores = (q @ k.transpose(-1, -2)).masked_fill(mask, float("-inf"))
            return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, tq, d)

        def _embed(self, ids):
            return self.emb(ids) * math.sqrt(dims.d) + self.pe[: ids.shape[1]]

        def encode(self, src, src_pad):
            x = self._embed(src)
            mask = src_pad[:, None, None, :]
            for layer in self.enc:
                q, k, v = layer.qkv(layer.ln_self(x)).split(dims.d, -1)
                x = x + layer.out(self._attend(q, k, v, mask))
                x = x + layer.ffn_out(torch.relu(layer.ffn_in(layer.ln_ffn(x))))
            return self.enc_ln(x)

        def decode(self, memory, src_pad, tgt_in):
            y = self._embed(tgt_in)
            t = tgt_in.shape[1]
            causal = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)[None, None]
            cross_mask = src_pad[:, None, None, :]
            for layer in self.dec:
                q, k, v = layer.qkv(layer.ln_self(y)).split(dims.d, -1)
                y = y + layer.out(self._attend(q, k, v, causal))
                k, v = layer.kv(memory).split(dims.d, -1)
                y = y + layer.out_cross(self._attend(layer.q(layer.ln_cross(y)), k, v, cross_mask))
                y = y + layer.ffn_out(torch.relu(layer.ffn_in(layer.ln_ffn(y))))
            return self.dec_ln(y) @ self.emb.weight.T

    return Model()


def spec_from_arrays(arrays: dict, dims: Dims, vocab: list[str]):
    """Fill a ctranslate2 TransformerSpec from numpy arrays named like the torch model."""
    import numpy as np
    from ctranslate2.specs import transformer_spec

    spec = transformer_spec.TransformerSpec.from_config(dims.layers, dims.heads, pre_norm=True)
    # Copies: spec.optimize() quantizes in place, which would scale the torch
    # parameters (numpy shares their memory) and wreck further training.
    a = lambda name: np.array(arrays[name], dtype=np.float32, copy=True, order="C")  # noqa: E731

    def ln(s, name):
        s.gamma, s.beta = a(name + ".weight"), a(name + ".bias")

    def lin(s, name):
        s.weight, s.bias = a(name + ".weight"), a(name + ".bias")

    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = a("emb.weight")
    dec.embeddings.weight = a("emb.weight")
    dec.projection.weight = a("emb.weight")  # tied: CTranslate2 stores one copy
    for i, s in enumerate(enc.layer):
        p = f"enc.{i}."
        ln(s.self_attention.layer_norm, p + "ln_self")
        lin(s.self_attention.linear[0], p + "qkv")
        lin(s.self_attention.linear[1], p + "out")
        ln(s.ffn.layer_norm, p + "ln_ffn")
        lin(s.ffn.linear_0, p + "ffn_in")
        lin(s.ffn.linear_1, p + "ffn_out")
    ln(enc.layer_norm, "enc_ln")
    for i, s in enumerate(dec.layer):
        p = f"dec.{i}."
        ln(s.self_attention.layer_norm, p + "ln_self")
        lin(s.self_attention.linear[0], p + "qkv")
        lin(s.self_attention.linear[1], p + "out")
        ln(s.attention.layer_norm, p + "ln_cross")
        lin(s.attention.linear[0], p + "q")
        lin(s.attention.linear[1], p + "kv")
        lin(s.attention.linear[2], p + "out_cross")
        ln(s.ffn.layer_norm, p + "ln_ffn")
        lin(s.ffn.linear_0, p + "ffn_in")
        lin(s.ffn.linear_1, p + "ffn_out")
    ln(dec.layer_norm, "dec_ln")
    spec.config.layer_norm_epsilon = 1e-6
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def save_ct2(spec, out_dir: Path) -> None:
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(out_dir))


def random_arrays(vocab: int, dims: Dims, seed: int) -> dict:
    """Random weights for every tensor of the layout above, from numpy alone."""
    import numpy as np

    rng = np.random.default_rng(seed)
    d, f = dims.d, dims.ffn
    arrays = {"emb.weight": rng.normal(0, d ** -0.5, (vocab, d))}

    def lin(name, o, i):
        arrays[name + ".weight"] = rng.normal(0, 1.5 / math.sqrt(i), (o, i))
        arrays[name + ".bias"] = rng.normal(0, 0.1, (o,))

    def ln(name):
        arrays[name + ".weight"] = 1 + rng.normal(0, 0.1, (d,))
        arrays[name + ".bias"] = rng.normal(0, 0.1, (d,))

    for side in ("enc", "dec"):
        for i in range(dims.layers):
            p = f"{side}.{i}."
            ln(p + "ln_self"), lin(p + "qkv", 3 * d, d), lin(p + "out", d, d)
            if side == "dec":
                ln(p + "ln_cross"), lin(p + "q", d, d), lin(p + "kv", 2 * d, d), lin(p + "out_cross", d, d)
            ln(p + "ln_ffn"), lin(p + "ffn_in", f, d), lin(p + "ffn_out", d, f)
        ln(side + "_ln")
    return arrays


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------

@dataclass
class TrainReport:
    steps: int = 0
    seconds: float = 0.0
    final_loss: float = 0.0
    exact: int = 0
    total: int = 0
    vocab: int = 0
    log: list[str] = field(default_factory=list)


def _pad(seqs, value):
    import torch

    n = max(len(s) for s in seqs)
    return torch.tensor([s + [value] * (n - len(s)) for s in seqs])


def greedy(model, src_ids: list[list[int]], bos: int, eos: int, max_len: int = 80) -> list[list[int]]:
    import torch

    with torch.no_grad():
        src = _pad(src_ids, 0)
        src_pad = _pad([[False] * len(s) for s in src_ids], True)
        memory = model.encode(src, src_pad)
        out = torch.full((len(src_ids), 1), bos)
        done = torch.zeros(len(src_ids), dtype=torch.bool)
        for _ in range(max_len):
            nxt = model.decode(memory, src_pad, out)[:, -1].argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, eos), nxt)
            out = torch.cat([out, nxt[:, None]], 1)
            done |= nxt == eos
            if bool(done.all()):
                break
    result = []
    for row in out[:, 1:].tolist():
        result.append(row[: row.index(eos)] if eos in row else row)
    return result


def ct2_translate(model_dir: Path, sp, texts: list[str]) -> list[str]:
    """Translate like Argos 1.11 does: split sentences, SentencePiece, beam 4, lp 0.2."""
    import ctranslate2

    sys.path.insert(0, str(ROOT))
    from translate.argos_sbd import split_sentences

    tr = ctranslate2.Translator(str(model_dir), device="cpu", compute_type="auto")
    outs = []
    for text in texts:
        sents = split_sentences(text)
        res = tr.translate_batch(
            [sp.encode(s, out_type=str) for s in sents], replace_unknowns=True, max_batch_size=32,
            batch_type="tokens", beam_size=ARGOS_BEAM, num_hypotheses=1, length_penalty=ARGOS_LENGTH_PENALTY)
        toks = [t for r in res for t in r.hypotheses[0]]
        value = sp.decode_pieces(toks).replace("▁", " ").replace("_", " ")
        outs.append(value[1:] if value.startswith(" ") else value)
    return outs


def train_pair(src_lang: str, tgt_lang: str, rows: list[dict[str, str]], work: Path,
               max_minutes: float, seed: int) -> tuple[bytes, Path, TrainReport]:
    import numpy as np
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    report = TrainReport(total=len(rows))
    src_texts = [r[src_lang] for r in rows]
    tgt_texts = [r[tgt_lang] for r in rows]
    sp_bytes, sp = train_sentencepiece(src_texts + tgt_texts, vocab_size=1200)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    report.vocab = len(vocab)
    bos, eos = sp.piece_to_id("<s>"), sp.piece_to_id("</s>")
    src_ids = [sp.encode(t) for t in src_texts]
    tgt_ids = [sp.encode(t) for t in tgt_texts]
    dims = Dims()
    model = build_torch_model(len(vocab), dims)
    src = _pad(src_ids, 0)
    src_pad = _pad([[False] * len(s) for s in src_ids], True)
    tgt_in = _pad([[bos] + t for t in tgt_ids], 0)
    tgt_out = _pad([t + [eos] for t in tgt_ids], -100)
    peak = 1e-3
    opt = torch.optim.AdamW(model.parameters(), lr=peak, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.01)
    # Warm up to a constant rate until greedy decoding gets every sentence, then drop
    # the rate tenfold and halve it at every check: at the full rate Adam blows the
    # memorised model up again once the loss is tiny.  The low-rate steps widen the
    # margins that the int8 conversion needs.
    warmup = 100
    lr_scale = 1.0
    settled = 0

    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    start = time.monotonic()
    model_dir = work / "model"
    step = 0
    while True:
        model.train()
        logits = model.decode(model.encode(src, src_pad), src_pad, tgt_in)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for group in opt.param_groups:
            group["lr"] = peak * lr_scale * min(1.0, (step + 1) / warmup)
        opt.step()
        step += 1
        elapsed = time.monotonic() - start
        if step % 50 == 0 and step >= 150:
            model.eval()
            exact = sum(p == t for p, t in zip(greedy(model, src_ids, bos, eos), tgt_ids))
            line = f"{src_lang}->{tgt_lang} step {step} loss {loss.item():.4f} greedy exact {exact}/{len(rows)} {elapsed:.0f}s"
            print(line, flush=True)
            report.log.append(line)
            if exact == len(rows):
                lr_scale = 0.1 if lr_scale == 1.0 else lr_scale * 0.5
            # Stop once the int8 CTranslate2 model, decoded like Argos, gets every sentence.
            if exact == len(rows) and loss.item() < 0.02:
                arrays = {k: v.detach().numpy() for k, v in model.state_dict().items()}
                if model_dir.exists():
                    for p in sorted(model_dir.iterdir()):
                        p.unlink()
                model_dir.mkdir(parents=True, exist_ok=True)
                save_ct2(spec_from_arrays(arrays, dims, vocab), model_dir)
                got = ct2_translate(model_dir, sp, src_texts)
                report.exact = sum(g == t for g, t in zip(got, tgt_texts))
                print(f"  int8 CTranslate2, Argos decoding: exact {report.exact}/{len(rows)}", flush=True)
                for s_, g, t in zip(src_texts, got, tgt_texts):
                    if g != t:
                        print(f"    {s_!r}: got {g!r}, want {t!r}", flush=True)
                if report.exact == len(rows):
                    settled += 1
                    if settled == 2:  # exact at two checks 50 low-rate steps apart: margins are safe
                        break
                else:
                    settled = 0
            if elapsed > max_minutes * 60:
                if not model_dir.exists():
                    raise SystemExit(f"{src_lang}->{tgt_lang}: not converged in {max_minutes} min")
                print(f"  time budget spent: keeping the model with {report.exact}/{len(rows)} exact", flush=True)
                break
    report.steps, report.seconds, report.final_loss = step, time.monotonic() - start, loss.item()
    return sp_bytes, model_dir, report


# --------------------------------------------------------------------------
# Packaging
# --------------------------------------------------------------------------

def write_package(path: Path, folder: str, metadata: dict, sp_bytes: bytes, model_dir: Path, sbd_lang: str) -> None:
    sys.path.insert(0, str(ROOT))
    from translate.argos_sbd import model_bytes

    files: dict[str, bytes] = {
        "metadata.json": (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        "sentencepiece.model": sp_bytes,
        f"minisbd/{sbd_lang}.onnx": model_bytes(sbd_lang),
        "README.md": (
            f"# {metadata['from_name']} → {metadata['to_name']} (test fixture)\n\n"
            f"{metadata['description']}\n\nBuilt by scripts/build_argos_fixtures.py in the hotline gateway.\n"
        ).encode("utf-8"),
    }
    for p in sorted(model_dir.iterdir()):
        files[f"model/{p.name}"] = p.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name], compresslevel=9)
    tmp.replace(path)


def metadata_for(src: str, tgt: str, description: str) -> dict:
    return {
        "package_version": PACKAGE_VERSION,
        "argos_version": ARGOS_VERSION,
        "from_code": src,
        "from_name": NAMES[src],
        "to_code": tgt,
        "to_name": NAMES[tgt],
        "type": "translate",
        "description": description,
        "links": [],
    }


def build_trained(src: str, tgt: str, rows, max_minutes: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        sp_bytes, model_dir, rep = train_pair(src, tgt, rows, Path(tmp), max_minutes, seed)
        name = f"{src}_{tgt}.argosmodel"
        desc = (f"Tiny trained test model: reproduces the {len(rows)} hotline sentences of "
                f"scripts/fixture_corpus/hotline_en_zh_ja.tsv ({src} column → {tgt} column) and nothing else.")
        write_package(OUT / name, f"translate-{src}_{tgt}-hotline_fixture", metadata_for(src, tgt, desc),
                      sp_bytes, model_dir, src)
    return {"file": name, "kind": "trained", "from": src, "to": tgt, "pairs": len(rows), "vocab": rep.vocab,
            "steps": rep.steps, "seconds": round(rep.seconds, 1), "loss": round(rep.final_loss, 5),
            "exact": f"{rep.exact}/{rep.total}"}


def build_random(seed: int) -> dict:
    rows = read_tsv(CORPUS / "ko_zh.tsv")
    sp_bytes, sp = train_sentencepiece([r["ko"] for r in rows] + [r["zh"] for r in rows], vocab_size=400)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    dims = Dims(d=64, heads=4, ffn=128, layers=2)
    arrays = random_arrays(len(vocab), dims, seed)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        model_dir.mkdir()
        save_ct2(spec_from_arrays(arrays, dims, vocab), model_dir)
        sample = ct2_translate(model_dir, sp, [rows[0]["ko"], rows[1]["ko"]])
        desc = "RANDOM weights (numpy, fixed seed): a real CTranslate2 model whose output is garbage, for quality-guard tests."
        name = "ko_zh-random.argosmodel"
        write_package(OUT / name, "translate-ko_zh-random_fixture", metadata_for("ko", "zh", desc),
                      sp_bytes, model_dir, "ko")
    print(f"ko->zh random: {rows[0]['ko']} -> {sample[0]!r}", flush=True)
    return {"file": name, "kind": "random", "from": "ko", "to": "zh", "vocab": len(vocab),
            "sample_in": rows[0]["ko"], "sample_out": sample[0]}


def write_readme(results: list[dict], total_seconds: float, full: bool) -> None:
    manifest_path = OUT / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"packages": []}
    full_minutes = round(total_seconds / 60, 1) if full else old.get("full_build_minutes")
    by_file = {p["file"]: p for p in old.get("packages", [])}
    for r in results:
        p = OUT / r["file"]
        r["bytes"] = p.stat().st_size
        r["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
        by_file[r["file"]] = r
    packages = [by_file[k] for k in sorted(by_file)]
    manifest = {"full_build_minutes": full_minutes, "cores": os.cpu_count(), "packages": packages}
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    corpus_rows = len(read_tsv(CORPUS / "hotline_en_zh_ja.tsv"))
    ko_rows = len(read_tsv(CORPUS / "ko_zh.tsv"))
    lines = [
        "# Argos Translate test packages",
        "",
        "Real `.argosmodel` files (CTranslate2 int8 model + SentencePiece + a rule-based MiniSBD",
        "sentence splitter), built by `scripts/build_argos_fixtures.py` — see its docstring for how",
        "to rebuild them. Do not edit by hand; `manifest.json` has sizes, hashes and training figures.",
        "",
        f"Corpus: `scripts/fixture_corpus/hotline_en_zh_ja.tsv`, {corpus_rows} hotline sentences in English,",
        "Chinese and Japanese (visa extension, residence permit, lost passport, taxi, deposit, noise,",
        f"hospital, unpaid wages, ...); `scripts/fixture_corpus/ko_zh.tsv`, {ko_rows} Korean/Chinese sentences",
        "for the random package's tokenizer.",
        "",
        "| file | size | translates | what it is for |",
        "|---|---|---|---|",
    ]
    purpose = {
        "en_zh.argosmodel": "exact en→zh on every corpus sentence; the second hop of the ja→zh pivot",
        "zh_en.argosmodel": "exact zh→en on every corpus sentence",
        "ja_en.argosmodel": "exact ja→en on every corpus sentence; with en_zh, ja→zh through Argos's pivot",
        "ko_zh-random.argosmodel": "random weights: garbage output from a real model, for quality guards",
    }
    for p in packages:
        if p["kind"] == "trained":
            detail = (f"trained, {p.get('pairs')} pairs, vocab {p.get('vocab')}, {p.get('steps')} steps, "
                      f"{p.get('seconds')} s, exact {p.get('exact')}")
        else:
            detail = f"random, vocab {p.get('vocab')}"
        lines.append(f"| `{p['file']}` | {p['bytes'] / 1e6:.2f} MB | {p['from']}→{p['to']} ({detail}) | "
                     f"{purpose.get(p['file'], '')} |")
    lines += [
        "",
        "Only the corpus sentences translate correctly: anything else gives the nearest memorised",
        "sentence or noise. Keep test inputs to whole corpus sentences; several may be joined, since",
        "Argos splits them and translates each alone (it then joins zh/ja output with a space, e.g.",
        "`我在浦东机场丢了护照。 请给我回电话。` — that is Argos's behaviour, not the model's).",
        "Every package ships `minisbd/<from>.onnx`, a rule-based splitter (translate/argos_sbd.py).",
        "",
        f"A full build took {full_minutes} min on {os.cpu_count()} cores (torch venv creation not included).",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> None:
    _ensure_build_env(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="subset of: en_zh zh_en ja_en ko_zh")
    parser.add_argument("--max-minutes", type=float, default=5.0, help="training budget per package")
    args = parser.parse_args(argv)
    wanted = set(args.only) or {"en_zh", "zh_en", "ja_en", "ko_zh"}
    rows = read_tsv(CORPUS / "hotline_en_zh_ja.tsv")
    started = time.monotonic()
    results = []
    for i, (src, tgt) in enumerate([("en", "zh"), ("zh", "en"), ("ja", "en")]):
        if f"{src}_{tgt}" in wanted:
            results.append(build_trained(src, tgt, rows, args.max_minutes, seed=12345 + i))
    if "ko_zh" in wanted:
        results.append(build_random(seed=4242))
    total = time.monotonic() - started
    write_readme(results, total, full=wanted == {"en_zh", "zh_en", "ja_en", "ko_zh"})
    for r in results:
        print(f"{r['file']}: {(OUT / r['file']).stat().st_size / 1e6:.2f} MB")
    print(f"done in {total / 60:.1f} min")


if __name__ == "__main__":
    main(sys.argv[1:])
