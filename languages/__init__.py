"""The served languages as data: codes, names, script direction, engine codes and UI strings."""

from languages.registry import (
    SIGN,
    WORKING,
    Language,
    all_languages,
    clear_cache,
    configure,
    foreign_languages,
    get,
    is_served,
    served_codes,
    ui_strings,
)

__all__ = [
    "SIGN",
    "WORKING",
    "Language",
    "all_languages",
    "clear_cache",
    "configure",
    "foreign_languages",
    "get",
    "is_served",
    "served_codes",
    "ui_strings",
]
