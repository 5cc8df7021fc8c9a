"""What a submitter is told about their ticket: a public status and a note in their language.

The hotline's workflow has eight states; a resident needs five plain ones.  Returns and
reviews are internal: a returned or reviewed ticket is still "being handled" to the public.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

NOTES_FILE = Path(__file__).resolve().parents[1] / "languages" / "data" / "status_notes.json"

#: workflow state -> public stage
STAGE = {"draft": "received", "accepted": "accepted", "dispatched": "in_progress", "returned": "in_progress",
         "review": "in_progress", "replied": "replied", "callback": "replied", "closed": "closed"}


@lru_cache(maxsize=1)
def _notes() -> dict[str, dict[str, str]]:
    data: dict[str, Any] = json.loads(NOTES_FILE.read_text(encoding="utf-8"))
    return data["notes"]


def stage(workflow_status: str) -> str:
    return STAGE.get(workflow_status, "in_progress")


def note(workflow_status: str, lang: str) -> str:
    """The public note for a state, in ``lang`` (English when the language has none)."""
    notes = _notes()
    table = notes.get(lang) or notes["en"]
    return table[stage(workflow_status)]
