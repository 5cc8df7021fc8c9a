"""Translation benchmark: the gateway's HTTP API against raw CTranslate2 on the same model.

    .venv/bin/python bench/translate_bench.py [--rounds 3] [--concurrency 32]

What it does, all on loopback with the committed tiny trained package
``tests/fixtures/argos/en_zh.argosmodel`` (int8, 2 layers):
1. Installs it with ``hotline-gateway models install`` into a temporary translate dir and starts
   ``hotline-gateway serve`` on it in its own process, with the translation cache OFF
   (``--mt-cache-size 0``) so every request reaches the model.
2. Sequential: each corpus sentence through ``POST /api/v1/translate``, one at a time.
3. Raw: the same sentences through ``ctranslate2.Translator.translate_batch`` and SentencePiece,
   one at a time, with the decoding settings Argos uses (beam size, length penalty).
4. Concurrent: ``--concurrency`` clients at once through the API (requests are batched by the
   engine), against raw CTranslate2 translating the same sentences in batches of that size.
5. Drafts per second with no MT: ``translate.drafting.draft_case`` in-process over the evaluation
   cases, and ``POST /api/v1/drafts`` through a gateway started with ``--no-mt-enabled``.

Prints figures; asserts nothing.  The model is tiny, so absolute times are small and the
gateway's own overhead (HTTP, JSON, thread hand-off) weighs more than it would with a real
Argos package; the ratio is therefore a pessimistic bound for production models.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.chat_bench import free_port, pct, wait_http  # noqa: E402

EXE = ROOT / ".venv" / "bin" / "hotline-gateway"
PACKAGE = ROOT / "tests" / "fixtures" / "argos" / "en_zh.argosmodel"


def corpus() -> list[str]:
    with open(ROOT / "scripts" / "fixture_corpus" / "hotline_en_zh_ja.tsv", encoding="utf-8") as fh:
        return [row["en"] for row in csv.DictReader(fh, delimiter="\t")]


def row(name: str, lat_s: list[float], n: int, wall: float) -> dict:
    ms = [x * 1000 for x in lat_s]
    r = {"name": name, "n": n, "per_s": n / wall, "p50": pct(ms, 50), "p99": pct(ms, 99)}
    print(f"{name:<40} sentences={n:<5} sentences/s={r['per_s']:8.1f}  p50={r['p50']:7.2f} ms  p99={r['p99']:7.2f} ms")
    return r


# -------------------------------------------------------------- raw CTranslate2
def raw_translator(tmp: Path):
    import ctranslate2
    import sentencepiece as spm

    with zipfile.ZipFile(PACKAGE) as z:
        z.extractall(tmp / "raw")
    folder = next((tmp / "raw").iterdir())
    translator = ctranslate2.Translator(str(folder / "model"), device="cpu")
    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    beam = int(os.environ.get("ARGOS_BEAM_SIZE", "4"))

    def run(texts: list[str]) -> list[str]:
        toks = [sp.encode(t, out_type=str) for t in texts]
        res = translator.translate_batch(toks, beam_size=beam, num_hypotheses=1, length_penalty=0.2,
                                         replace_unknowns=True, max_batch_size=32, batch_type="tokens")
        return [sp.decode(r.hypotheses[0]) for r in res]
    return run


def bench_raw(run, sentences: list[str], rounds: int, conc: int) -> tuple[dict, dict]:
    run(sentences[:4])   # warm up
    lat = []
    t0 = time.perf_counter()
    for _ in range(rounds):
        for s in sentences:
            a = time.perf_counter()
            run([s])
            lat.append(time.perf_counter() - a)
    seq = row("raw ctranslate2, one at a time", lat, len(lat), time.perf_counter() - t0)
    lat = []
    t0 = time.perf_counter()
    n = 0
    for _ in range(rounds):
        for i in range(0, len(sentences), conc):
            chunk = sentences[i:i + conc]
            a = time.perf_counter()
            run(chunk)
            lat.extend([time.perf_counter() - a] * len(chunk))
            n += len(chunk)
    batched = row(f"raw ctranslate2, batches of {conc}", lat, n, time.perf_counter() - t0)
    return seq, batched


# -------------------------------------------------------------- through the gateway
async def bench_api(base: str, sentences: list[str], rounds: int, conc: int) -> tuple[dict, dict]:
    import aiohttp

    async with aiohttp.ClientSession(base) as http:
        async def one(text: str) -> float:
            a = time.perf_counter()
            async with http.post("/api/v1/translate", json={"q": text, "source": "en", "target": "zh"}) as r:
                body = await r.json()
                if r.status != 200:
                    raise SystemExit(f"translate failed: {body}")
            return time.perf_counter() - a

        for s in sentences[:4]:
            await one(s)
        lat = []
        t0 = time.perf_counter()
        for _ in range(rounds):
            for s in sentences:
                lat.append(await one(s))
        seq = row("gateway API, one at a time", lat, len(lat), time.perf_counter() - t0)

        queue = [s for _ in range(rounds) for s in sentences]
        lat = []

        async def worker() -> None:
            while queue:
                lat.append(await one(queue.pop()))
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        conc_row = row(f"gateway API, {conc} concurrent clients", lat, len(lat), time.perf_counter() - t0)
    return seq, conc_row


async def bench_draft_api(base: str, cases: list[dict]) -> dict:
    import aiohttp

    lat = []
    async with aiohttp.ClientSession(base) as http:
        t0 = time.perf_counter()
        for c in cases:
            a = time.perf_counter()
            async with http.post("/api/v1/drafts", json={"lang": c["lang"], "text": c["text"],
                                                         "reference_time": c.get("reference_time")}) as r:
                await r.read()
            lat.append(time.perf_counter() - a)
        return row("drafts via POST /api/v1/drafts, no MT", lat, len(lat), time.perf_counter() - t0)


def draft_cases() -> list[dict]:
    files = sorted((ROOT / "bench" / "draft_cases").glob("*.jsonl"))
    out = []
    for f in files:
        if f.exists():
            out += [json.loads(l) for l in f.read_text(encoding="utf-8").splitlines() if l.strip()]
    return out


def start(args: list[str], env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(EXE), "serve", "--port", str(port), *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", timeout=60)
    return proc, base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    sentences = corpus()
    env = {**os.environ, "HOTLINE_LOG_LEVEL": "WARNING"}
    print(f"translate_bench: {len(sentences)} corpus sentences x {args.rounds} rounds, en->zh, "
          f"model {PACKAGE.name} ({PACKAGE.stat().st_size / 1e6:.2f} MB), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="translate-bench-") as tmp_s:
        tmp = Path(tmp_s)
        tdir = tmp / "translate"
        subprocess.run([str(EXE), "models", "install", str(PACKAGE), "--translate-dir", str(tdir)], check=True,
                       env=env, stdout=subprocess.DEVNULL)
        proc, base = start(["--db", str(tmp / "gw.sqlite3"), "--translate-dir", str(tdir), "--mt-cache-size", "0"], env)
        try:
            api_seq, api_conc = asyncio.run(bench_api(base, sentences, args.rounds, args.concurrency))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        raw_seq, raw_batch = bench_raw(raw_translator(tmp), sentences, args.rounds, args.concurrency)
        print(f"ratio gateway/raw, one at a time: p50 x{api_seq['p50'] / raw_seq['p50']:.2f}, "
              f"p99 x{api_seq['p99'] / raw_seq['p99']:.2f}, throughput x{raw_seq['per_s'] / api_seq['per_s']:.2f} slower")
        print(f"concurrency: gateway {api_conc['per_s']:.1f} sentences/s with {args.concurrency} clients "
              f"(x{api_conc['per_s'] / api_seq['per_s']:.2f} its one-at-a-time rate); raw batches "
              f"{raw_batch['per_s']:.1f} sentences/s")

        cases = draft_cases()
        from translate.drafting import draft_case
        for c in cases[:20]:
            draft_case(c)
        t0 = time.perf_counter()
        lat = []
        for c in cases:
            a = time.perf_counter()
            draft_case(c)
            lat.append(time.perf_counter() - a)
        row("drafts in-process, no MT", lat, len(lat), time.perf_counter() - t0)
        proc, base = start(["--db", str(tmp / "gw2.sqlite3"), "--no-mt-enabled"], env)
        try:
            asyncio.run(bench_draft_api(base, cases))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
