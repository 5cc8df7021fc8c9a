"""Accuracy and speed of ticket drafting (``translate.drafting``) on labelled cases.

Usage::

    .venv/bin/python bench/draft_eval.py                      # shared dev file + bench/draft_cases/*.jsonl
    .venv/bin/python bench/draft_eval.py --show-errors        # also print every mismatch
    .venv/bin/python bench/draft_eval.py --dev PATH --cases 'bench/draft_cases/heldout_*.jsonl'
    .venv/bin/python bench/draft_eval.py --no-dev             # only the bench/draft_cases files

Each input line is ``{"id", "lang", "text", "reference_time", "expect": {"category",
"department", "district", "event_date"}}``.  The table shows, per file and per language group
(``en+zh`` and ``other`` = the 17 other served languages), the share of cases whose field
equals the expected value (null must be predicted as null), then drafts per second (first
pass, which compiles the cue lexicons, and a warm second pass).  Case ids starting ``ho``
belong to the held-out splits (``bench/draft_cases/heldout*.jsonl``): evaluate them, never tune on them.
No translation model is used (``translator=None``), like a fresh install.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate.drafting import draft_case  # noqa: E402

FIELDS = ("category", "department", "district", "event_date")
# The project's copy of ../shared/domain/draft_dev_cases.jsonl.
DEFAULT_DEV = str(ROOT / "bench" / "draft_cases" / "shared_dev.jsonl")
DEFAULT_CASES = str(ROOT / "bench" / "draft_cases" / "*.jsonl")


def load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(cases: list[dict]) -> tuple[list[tuple[dict, dict]], float]:
    start = time.perf_counter()
    drafts = [draft_case(c) for c in cases]
    return list(zip(cases, drafts, strict=True)), time.perf_counter() - start


def group_of(lang: str) -> str:
    return "en+zh" if lang in ("en", "zh") else "other"


def row(label: str, pairs: list[tuple[dict, dict]]) -> str:
    cells = []
    for f in FIELDS:
        ok = sum(1 for c, d in pairs if d[f] == c["expect"][f])
        cells.append(f"{ok / len(pairs):6.1%}" if pairs else "     -")
    return f"{label:<34} {len(pairs):>4}  " + "  ".join(f"{c:>10}" for c in cells)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=DEFAULT_DEV, help="shared dev cases (default: %(default)s)")
    ap.add_argument("--no-dev", action="store_true", help="skip the shared dev file")
    ap.add_argument("--cases", default=DEFAULT_CASES, help="glob of more case files (default: %(default)s)")
    ap.add_argument("--show-errors", action="store_true", help="print each mismatching field")
    args = ap.parse_args(argv)

    more = [f for f in sorted(glob.glob(args.cases)) if Path(f).resolve() != Path(args.dev).resolve()
            and Path(f).resolve() != Path(DEFAULT_DEV).resolve()]
    files = ([] if args.no_dev else [args.dev]) + more
    header = f"{'file / group':<34} {'n':>4}  " + "  ".join(f"{f:>10}" for f in FIELDS)
    print(header)
    print("-" * len(header))
    all_pairs: list[tuple[dict, dict]] = []
    seconds = 0.0
    errors: list[str] = []
    for path in files:
        pairs, took = evaluate(load(path))
        seconds += took
        all_pairs.extend(pairs)
        name = Path(path).name
        print(row(name, pairs))
        for grp in ("en+zh", "other"):
            sub = [p for p in pairs if group_of(p[0]["lang"]) == grp]
            if sub and len(sub) != len(pairs):
                print(row(f"  {grp}", sub))
        for case, draft in pairs:
            for f in FIELDS:
                if draft[f] != case["expect"][f]:
                    errors.append(f"{name}:{case['id']} [{case['lang']}] {f}: got {draft[f]!r}, "
                                  f"want {case['expect'][f]!r} | {case['text']}")
    print("-" * len(header))
    for split in ("dev", "heldout"):
        sub = [p for p in all_pairs if (split == "heldout") == p[0]["id"].startswith("ho")]
        for grp in ("en+zh", "other"):
            part = [p for p in sub if group_of(p[0]["lang"]) == grp]
            if part:
                print(row(f"ALL {split} {grp}", part))
    print(row("ALL", all_pairs))
    cases = [c for c, _ in all_pairs]
    start = time.perf_counter()
    for c in cases:
        draft_case(c)
    warm = time.perf_counter() - start
    print(f"\n{len(cases)} drafts: first pass {seconds:.2f} s (includes compiling the 19 cue lexicons) = "
          f"{len(cases) / seconds:.0f} drafts/s; warm {warm:.2f} s = {len(cases) / warm:.0f} drafts/s "
          f"({1000 * warm / len(cases):.1f} ms per draft)")
    if args.show_errors:
        print("\nMismatches:")
        for line in errors:
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
