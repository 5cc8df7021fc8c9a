"""Ticket drafting: request type, department, district, event date, address and a Chinese summary.

Pure functions over the package's own data (``translate/data/drafting``), usable with no
translation model: ``draft_case`` for one case, ``draft_transcript`` for a chat.
"""

from translate.drafting.dates import event_date, extract_date
from translate.drafting.drafter import draft_case, draft_transcript, guess_language
from translate.drafting.gazetteer import district_of, find_places, resolve

__all__ = [
    "district_of",
    "draft_case",
    "draft_transcript",
    "event_date",
    "extract_date",
    "find_places",
    "guess_language",
    "resolve",
]
