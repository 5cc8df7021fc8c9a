"""Reading the drafting data files (``translate/data/drafting``), once, at import."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "drafting"


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """Parse one data file under ``translate/data/drafting``; cached."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def keyword_languages() -> tuple[str, ...]:
    """Codes of the languages that have a keyword file, sorted."""
    return tuple(sorted(p.stem for p in (DATA_DIR / "keywords").glob("*.json")))
