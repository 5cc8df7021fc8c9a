"""Routing configuration: which queue serves a channel, which skill it needs and how it widens.

Routing is data, not code.  ``RoutingConfig.from_dict`` validates a plain dict
(from JSON/TOML) and names the offending key in every error, e.g.
``routing: queues[1].tiers[2].min_level must be between 1 and 5, got 7``.

Tiers are cumulative: a waiting entry uses the LAST tier whose ``after_s`` it
has waited.  They must widen over time -- ``after_s`` strictly increasing from
0, ``min_level`` never rising, ``kinds`` never losing a kind -- so that a caller
never loses a seat it could already reach by waiting longer.
"""

from __future__ import annotations

import copy
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.errors import InvalidField, NoRoute

from .skills import SEAT_KINDS, check_level, normalize_skill_name

_NAME_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_LANG_RE: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

_TOP_KEYS: Final = frozenset({"queues", "priorities"})
_QUEUE_KEYS: Final = frozenset(
    {"name", "channels", "skill", "tiers", "ring_timeout_s", "wrap_up_s", "default_handle_s"}
)
_TIER_KEYS: Final = frozenset({"after_s", "min_level", "kinds"})

DEFAULT_RING_TIMEOUT_S: Final = 20.0
DEFAULT_WRAP_UP_S: Final = 30.0
DEFAULT_HANDLE_S: Final = 240.0


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``after_s`` seconds of waiting, seats of ``kinds`` with level >= ``min_level`` qualify."""

    after_s: float
    min_level: int
    kinds: tuple[str, ...]

    def admits(self, kind: str, level: int) -> bool:
        return kind in self.kinds and level >= self.min_level


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    channels: tuple[str, ...]
    skill: str  # template; may contain "{lang}"
    tiers: tuple[Tier, ...]
    ring_timeout_s: float = DEFAULT_RING_TIMEOUT_S
    wrap_up_s: float = DEFAULT_WRAP_UP_S
    default_handle_s: float = DEFAULT_HANDLE_S

    @property
    def needs_lang(self) -> bool:
        return "{lang}" in self.skill

    def skill_for(self, lang: str | None) -> str:
        """The concrete skill for a caller language, e.g. ``lang:{lang}`` + ``ja`` -> ``lang:ja``."""
        if not self.needs_lang:
            return self.skill
        if not isinstance(lang, str) or not lang.strip():
            raise InvalidField(f"lang is required for queue {self.name!r} (skill {self.skill!r})")
        norm = lang.strip().lower()
        if not _LANG_RE.match(norm):
            raise InvalidField(f"lang {lang!r} is not a language code like 'ja' or 'zh-hans'")
        return normalize_skill_name(self.skill.replace("{lang}", norm), field="skill")

    def tier_index(self, enqueued_at: float, now: float) -> int:
        """Index of the tier in force for an entry enqueued at ``enqueued_at`` (0 if none reached yet)."""
        index = 0
        for i, tier in enumerate(self.tiers):
            if enqueued_at + tier.after_s <= now:
                index = i
            else:
                break
        return index

    def next_threshold(self, enqueued_at: float, now: float) -> float | None:
        """Epoch time at which the next (wider) tier opens for this entry, or None if at the last tier."""
        for tier in self.tiers:
            at = enqueued_at + tier.after_s
            if at > now:
                return at
        return None


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    queues: tuple[QueueConfig, ...]
    priorities: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingConfig:
        if not isinstance(data, Mapping):
            raise InvalidField(f"routing: must be an object, got {type(data).__name__}")
        _reject_unknown(data, _TOP_KEYS, "routing")
        if "queues" not in data:
            raise InvalidField("routing: 'queues' is required")
        raw_queues = data["queues"]
        if not isinstance(raw_queues, list) or not raw_queues:
            raise InvalidField("routing: queues must be a non-empty list")
        queues: list[QueueConfig] = []
        served: dict[str, str] = {}
        for qi, raw in enumerate(raw_queues):
            queue = _parse_queue(raw, f"routing: queues[{qi}]")
            if any(q.name == queue.name for q in queues):
                raise InvalidField(f"routing: queues[{qi}].name {queue.name!r} is used by another queue")
            for channel in queue.channels:
                if channel in served:
                    raise InvalidField(
                        f"routing: queues[{qi}].channels: channel {channel!r} is already served by "
                        f"queue {served[channel]!r}"
                    )
                served[channel] = queue.name
            queues.append(queue)
        priorities = _parse_priorities(data.get("priorities", {}))
        return cls(queues=tuple(queues), priorities=priorities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queues": [
                {
                    "name": q.name,
                    "channels": list(q.channels),
                    "skill": q.skill,
                    "ring_timeout_s": q.ring_timeout_s,
                    "wrap_up_s": q.wrap_up_s,
                    "default_handle_s": q.default_handle_s,
                    "tiers": [
                        {"after_s": t.after_s, "min_level": t.min_level, "kinds": list(t.kinds)} for t in q.tiers
                    ],
                }
                for q in self.queues
            ],
            "priorities": dict(self.priorities),
        }

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c for q in self.queues for c in q.channels)

    def queue(self, name: str) -> QueueConfig:
        for q in self.queues:
            if q.name == name:
                return q
        raise NoRoute(f"no queue named {name!r}")

    def route(self, channel: str, lang: str | None) -> tuple[QueueConfig, str]:
        """The queue serving ``channel`` and the concrete skill it needs for ``lang``."""
        for q in self.queues:
            if channel in q.channels:
                return q, q.skill_for(lang)
        raise NoRoute(f"no queue serves channel {channel!r} (served: {', '.join(self.channels)})")

    def priority_for(self, channel: str) -> int:
        return self.priorities.get(channel, 0)


def _reject_unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise InvalidField(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise InvalidField(f"{where} must be a lower-case name like 'chat', got {value!r}")
    return value


def _number(value: object, where: str, *, minimum: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidField(f"{where} must be a number, got {value!r}")
    if value < minimum or (strict and value == minimum):
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise InvalidField(f"{where} must be {bound}, got {value!r}")
    return float(value)


def _skill_template(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidField(f"{where} must be a string like 'lang:{{lang}}' or 'sign:csl', got {value!r}")
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise InvalidField(f"{where} {value!r} is not a valid template: {exc}") from None
    for _literal, fname, spec, conv in parts:
        if fname is not None and (fname != "lang" or spec or conv):
            raise InvalidField(f"{where} {value!r}: the only placeholder allowed is '{{lang}}'")
    normalize_skill_name(value.replace("{lang}", "xx"), field=where)
    return value.strip().lower()


def _parse_tier(raw: object, where: str, prev: Tier | None) -> Tier:
    if not isinstance(raw, Mapping):
        raise InvalidField(f"{where} must be an object, got {type(raw).__name__}")
    _reject_unknown(raw, _TIER_KEYS, where)
    for key in ("after_s", "min_level", "kinds"):
        if key not in raw:
            raise InvalidField(f"{where}.{key} is required")
    after_s = _number(raw["after_s"], f"{where}.after_s", minimum=0.0, strict=False)
    min_level = check_level(raw["min_level"], field=f"{where}.min_level")
    kinds_raw = raw["kinds"]
    if not isinstance(kinds_raw, list) or not kinds_raw:
        raise InvalidField(f"{where}.kinds must be a non-empty list of {', '.join(SEAT_KINDS)}")
    kinds: list[str] = []
    for kind in kinds_raw:
        if kind not in SEAT_KINDS:
            raise InvalidField(f"{where}.kinds: {kind!r} is not one of {', '.join(SEAT_KINDS)}")
        if kind in kinds:
            raise InvalidField(f"{where}.kinds: {kind!r} is listed twice")
        kinds.append(kind)
    if prev is None:
        if after_s != 0:
            raise InvalidField(f"{where}.after_s: the first tier must start at 0, got {raw['after_s']!r}")
    else:
        if after_s <= prev.after_s:
            raise InvalidField(f"{where}.after_s must be greater than the previous tier's {prev.after_s:g}")
        if min_level > prev.min_level:
            raise InvalidField(
                f"{where}.min_level {min_level} is stricter than the previous tier's {prev.min_level}; "
                "tiers must widen over time"
            )
        lost = [k for k in prev.kinds if k not in kinds]
        if lost:
            raise InvalidField(f"{where}.kinds drops {', '.join(lost)} from the previous tier; tiers must widen")
    return Tier(after_s=after_s, min_level=min_level, kinds=tuple(kinds))


def _parse_queue(raw: object, where: str) -> QueueConfig:
    if not isinstance(raw, Mapping):
        raise InvalidField(f"{where} must be an object, got {type(raw).__name__}")
    _reject_unknown(raw, _QUEUE_KEYS, where)
    for key in ("name", "channels", "skill", "tiers"):
        if key not in raw:
            raise InvalidField(f"{where}.{key} is required")
    name = _name(raw["name"], f"{where}.name")
    channels_raw = raw["channels"]
    if not isinstance(channels_raw, list) or not channels_raw:
        raise InvalidField(f"{where}.channels must be a non-empty list of channel names")
    channels: list[str] = []
    for ci, channel in enumerate(channels_raw):
        channel = _name(channel, f"{where}.channels[{ci}]")
        if channel in channels:
            raise InvalidField(f"{where}.channels: {channel!r} is listed twice")
        channels.append(channel)
    skill = _skill_template(raw["skill"], f"{where}.skill")
    tiers_raw = raw["tiers"]
    if not isinstance(tiers_raw, list) or not tiers_raw:
        raise InvalidField(f"{where}.tiers must be a non-empty list")
    tiers: list[Tier] = []
    for ti, tier_raw in enumerate(tiers_raw):
        tiers.append(_parse_tier(tier_raw, f"{where}.tiers[{ti}]", tiers[-1] if tiers else None))
    return QueueConfig(
        name=name,
        channels=tuple(channels),
        skill=skill,
        tiers=tuple(tiers),
        ring_timeout_s=_number(
            raw.get("ring_timeout_s", DEFAULT_RING_TIMEOUT_S), f"{where}.ring_timeout_s", minimum=0.0, strict=True
        ),
        wrap_up_s=_number(raw.get("wrap_up_s", DEFAULT_WRAP_UP_S), f"{where}.wrap_up_s", minimum=0.0, strict=False),
        default_handle_s=_number(
            raw.get("default_handle_s", DEFAULT_HANDLE_S), f"{where}.default_handle_s", minimum=0.0, strict=True
        ),
    )


def _parse_priorities(raw: object) -> dict[str, int]:
    # Keys are channel names; a channel no queue serves (e.g. "kiosk" before its queue exists) is allowed.
    if not isinstance(raw, Mapping):
        raise InvalidField(f"routing: priorities must be an object of channel -> integer, got {type(raw).__name__}")
    out: dict[str, int] = {}
    for channel, value in raw.items():
        _name(channel, "routing: priorities key")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidField(f"routing: priorities.{channel} must be an integer, got {value!r}")
        out[channel] = value
    return out


DEFAULT_ROUTING: Final[dict[str, Any]] = {
    "queues": [
        {
            "name": "chat",
            "channels": ["chat"],
            "skill": "lang:{lang}",
            "ring_timeout_s": 20,
            "wrap_up_s": 30,
            "default_handle_s": 240,
            "tiers": [
                {"after_s": 0, "min_level": 4, "kinds": ["agent"]},
                {"after_s": 60, "min_level": 2, "kinds": ["agent"]},
                {"after_s": 120, "min_level": 1, "kinds": ["agent", "volunteer"]},
            ],
        },
        {
            "name": "video",
            "channels": ["video"],
            "skill": "sign:csl",
            "ring_timeout_s": 20,
            "wrap_up_s": 30,
            "default_handle_s": 240,
            "tiers": [
                {"after_s": 0, "min_level": 4, "kinds": ["agent"]},
                {"after_s": 45, "min_level": 3, "kinds": ["agent"]},
                {"after_s": 90, "min_level": 1, "kinds": ["agent", "volunteer"]},
            ],
        },
        {
            "name": "voice",
            "channels": ["voice"],
            "skill": "lang:{lang}",
            "ring_timeout_s": 20,
            "wrap_up_s": 30,
            "default_handle_s": 240,
            "tiers": [
                {"after_s": 0, "min_level": 4, "kinds": ["agent"]},
                {"after_s": 60, "min_level": 2, "kinds": ["agent"]},
                {"after_s": 120, "min_level": 1, "kinds": ["agent", "volunteer"]},
            ],
        },
        {
            # A seat asked for a volunteer interpreter (gateway/chat/interpreting.py): a caller is
            # already on the line, so volunteers are rung first and fluent agents join after 30 s.
            "name": "interpret",
            "channels": ["interpret"],
            "skill": "lang:{lang}",
            "ring_timeout_s": 20,
            "wrap_up_s": 10,
            "default_handle_s": 300,
            "tiers": [
                {"after_s": 0, "min_level": 2, "kinds": ["volunteer"]},
                {"after_s": 30, "min_level": 2, "kinds": ["agent", "volunteer"]},
            ],
        },
    ],
    "priorities": {"video": 10, "kiosk": 5, "interpret": 20},
}


def default_routing() -> RoutingConfig:
    """DEFAULT_ROUTING parsed (a deep copy is parsed, so the module constant is never shared)."""
    return RoutingConfig.from_dict(copy.deepcopy(DEFAULT_ROUTING))
