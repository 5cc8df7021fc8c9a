"""The Chinese ticket (工单): fields, validated edits with an audit trail, JSON round-trip.

Status changes go through :mod:`gateway.domain.workflow`; this module only edits fields.
Caller identifiers are kept masked and HMAC-hashed, never raw.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Callable

import languages
from gateway.domain import catalog, privacy
from gateway.errors import IllegalTransition, InvalidField, UnknownChannel

MAX_NAME = 100
MAX_ADDRESS = 500
MAX_TEXT = 10_000
MAX_SEQ = 999_999


class Channel(StrEnum):
    VIDEO = "video"
    CHAT = "chat"
    VOICE = "voice"
    MINIAPP = "miniapp"
    KIOSK = "kiosk"


def channel(value: str) -> Channel:
    """Parse a channel name, raising :class:`UnknownChannel`."""
    try:
        return Channel(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        raise UnknownChannel("unknown channel; channels are: "
                             + ", ".join(c.value for c in Channel)) from None


def ticket_number(day: date, seq: int) -> str:
    """Date plus a 6-digit daily sequence: ``ticket_number(date(2026, 11, 28), 123) == '20261128000123'``."""
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"a daily ticket sequence runs from 1 to {MAX_SEQ}")
    return f"{day:%Y%m%d}{seq:06d}"


@dataclass
class CallerInfo:
    """What a ticket keeps about its caller: masked forms for display, hashes for matching."""

    name: str | None = None
    phone_masked: str | None = None
    phone_hash: str | None = None
    id_masked: str | None = None
    id_hash: str | None = None
    disability_cert_masked: str | None = None
    disability_cert_hash: str | None = None

    @classmethod
    def from_raw(cls, name: str | None, phone: str | None, id_number: str | None,
                 disability_cert: str | None, secret: bytes, *, today: date | None = None) -> CallerInfo:
        """Validate, mask and hash; the raw values are not kept."""
        info = cls(name=_text("name", name, MAX_NAME))
        if phone:
            normal = privacy.validate_phone(phone)
            info.phone_masked = privacy.mask_phone(normal)
            info.phone_hash = privacy.hash_identifier(normal, secret)
        if id_number:
            normal = privacy.validate_cn_id(id_number, today=today)
            info.id_masked = privacy.mask_id(normal)
            info.id_hash = privacy.hash_identifier(normal, secret)
        if disability_cert:
            normal = privacy.validate_disability_cert(disability_cert, today=today)
            info.disability_cert_masked = privacy.mask_id(normal)
            info.disability_cert_hash = privacy.hash_identifier(normal, secret)
        return info

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def public_dict(self) -> dict[str, str | None]:
        """Masked forms only, for API replies."""
        return {"name": self.name, "phone_masked": self.phone_masked, "id_masked": self.id_masked,
                "disability_cert_masked": self.disability_cert_masked}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CallerInfo:
        return cls(**{k: raw.get(k) for k in cls.__dataclass_fields__})


@dataclass
class HistoryEntry:
    """One audit-trail line: who did what, when, to which field, and why."""

    at: float
    actor: str
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> HistoryEntry:
        return cls(at=float(raw["at"]), actor=str(raw["actor"]), action=str(raw["action"]),
                   field=raw.get("field"), old=raw.get("old"), new=raw.get("new"),
                   reason=raw.get("reason"))


@dataclass
class Attachment:
    id: str
    kind: str
    content_type: str
    size: int
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Attachment:
        return cls(id=str(raw["id"]), kind=str(raw["kind"]), content_type=str(raw["content_type"]),
                   size=int(raw["size"]), name=raw.get("name"))


def _text(name: str, value: object, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(f"{name} must be a string")
    value = value.strip()
    if len(value) > limit:
        raise InvalidField(f"{name} is longer than {limit} characters")
    return value or None


def _event_time(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidField("event_time must be an ISO 8601 date or date-time string")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidField("event_time must be an ISO 8601 date or date-time, "
                           "e.g. 2026-11-28 or 2026-11-28T14:30:00+08:00") from None


def _code(lookup: Callable[[str], Any]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value is None or value == "":
            return None
        code: str = lookup(value).code  # type: ignore[arg-type]
        return code
    return check


def _lang(value: object) -> str:
    return languages.get(value).code  # type: ignore[arg-type]


#: Editable fields and the function that validates and normalises each value.
EDITABLE: dict[str, Callable[[object], Any]] = {
    "lang": _lang,
    "category": _code(catalog.category),
    "department": _code(catalog.department),
    "district": _code(catalog.district),
    "address": lambda v: _text("address", v, MAX_ADDRESS),
    "event_time": _event_time,
    "text_zh": lambda v: _text("text_zh", v, MAX_TEXT),
}


@dataclass
class Ticket:
    id: str
    number: str
    channel: Channel
    lang: str
    status: str
    caller: CallerInfo = field(default_factory=CallerInfo)
    category: str | None = None
    department: str | None = None
    district: str | None = None
    address: str | None = None
    event_time: str | None = None
    text_original: str = ""
    text_zh: str | None = None
    deadline: float | None = None
    attachments: list[Attachment] = field(default_factory=list)
    session_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    history: list[HistoryEntry] = field(default_factory=list)
    draft_fields: dict[str, Any] = field(default_factory=dict)
    draft_flags: list[str] = field(default_factory=list)          # e.g. mt_unavailable, low_confidence_department
    draft_confidence: dict[str, float] = field(default_factory=dict)
    satisfaction: int | None = None
    # -- the back office (docs/BACKOFFICE.md); changed only through gateway.domain.workflow --
    return_count: int = 0
    flags: list[str] = field(default_factory=list)                # e.g. returned_repeatedly
    replies: list[dict[str, Any]] = field(default_factory=list)   # {at, by, text}
    survey: dict[str, Any] | None = None       # latest callback: {resolved, satisfaction, note, channel, at, by}
    extension_request: dict[str, Any] | None = None   # the pending request: {working_days, reason, by, at}
    signed_at: float | None = None
    draft_accepted: dict[str, bool] = field(default_factory=dict)  # draft_acceptance() at submit
    merged_into: str | None = None
    merged_from: list[str] = field(default_factory=list)
    #: Bumped by the store on every change (0: never stored).  The HTTP ETag; ``If-Match`` names it.
    version: int = 0

    @classmethod
    def new_draft(cls, number: str, channel: Channel | str, lang: str, text_original: str,
                  actor: str, now: float, session_id: str | None = None, *,
                  caller: CallerInfo | None = None, **fields: Any) -> Ticket:
        """A draft; ``fields`` are the drafted values of editable fields, remembered in ``draft_fields``."""
        suggested = _validate(fields)
        ticket = cls(id=uuid.uuid4().hex, number=number, channel=_channel_of(channel),
                     lang=_lang(lang), status="draft", caller=caller or CallerInfo(),
                     text_original=_text("text_original", text_original, MAX_TEXT) or "",
                     session_id=session_id, created_at=now, updated_at=now,
                     draft_fields=dict(suggested))
        for name, value in suggested.items():
            setattr(ticket, name, value)
        # One row for the status and one for every value the ticket is born with, so that the
        # history alone rebuilds the ticket (gateway.domain.audit.replay).
        ticket.history.append(HistoryEntry(at=now, actor=actor, action="create", field="status",
                                           old=None, new="draft"))
        ticket.history.append(HistoryEntry(at=now, actor=actor, action="create", field="lang",
                                           old=None, new=ticket.lang))
        for name, value in suggested.items():
            if value is not None and name != "lang":
                ticket.history.append(HistoryEntry(at=now, actor=actor, action="create", field=name,
                                                   old=None, new=value))
        if ticket.caller != CallerInfo():
            ticket.history.append(HistoryEntry(at=now, actor=actor, action="create", field="caller",
                                               old=CallerInfo().public_dict(), new=ticket.caller.public_dict()))
        return ticket

    def edit(self, changes: dict[str, Any], actor: str, now: float,
             reason: str | None = None) -> list[HistoryEntry]:
        """Apply validated field changes (all or none); one history entry per changed field."""
        if self.status == "closed":
            raise IllegalTransition("cannot edit a ticket in state 'closed'")
        values = _validate(changes)
        added: list[HistoryEntry] = []
        for name, new in values.items():
            old = getattr(self, name)
            if old == new:
                continue
            setattr(self, name, new)
            added.append(HistoryEntry(at=now, actor=actor, action="edit", field=name,
                                      old=old, new=new, reason=reason))
        if added:
            self.history.extend(added)
            self.updated_at = now
        return added

    def set_caller(self, caller: CallerInfo, actor: str, now: float) -> None:
        """Replace the caller details; history keeps the masked forms only."""
        old = self.caller.public_dict()
        self.caller = caller
        self.updated_at = now
        self.history.append(HistoryEntry(at=now, actor=actor, action="edit", field="caller",
                                         old=old, new=caller.public_dict()))

    def add_attachment(self, attachment: Attachment, actor: str, now: float) -> None:
        self.attachments.append(attachment)
        self.updated_at = now
        self.history.append(HistoryEntry(at=now, actor=actor, action="attach", field="attachments",
                                         new=attachment.id))

    def draft_acceptance(self) -> dict[str, bool]:
        """For each drafted field, whether the current value still equals the suggestion."""
        return {name: getattr(self, name) == value for name, value in self.draft_fields.items()}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channel"] = self.channel.value
        return data

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Ticket:
        try:
            status = str(raw["status"])
            if status not in catalog.TICKET_STATES:
                raise InvalidField(f"unknown ticket status '{status[:40]}'")
            return cls(
                id=str(raw["id"]), number=str(raw["number"]), channel=_channel_of(raw["channel"]),
                lang=str(raw["lang"]), status=status,
                caller=CallerInfo.from_dict(raw.get("caller") or {}),
                category=raw.get("category"), department=raw.get("department"),
                district=raw.get("district"), address=raw.get("address"),
                event_time=raw.get("event_time"), text_original=raw.get("text_original") or "",
                text_zh=raw.get("text_zh"),
                deadline=None if raw.get("deadline") is None else float(raw["deadline"]),
                attachments=[Attachment.from_dict(a) for a in raw.get("attachments") or []],
                session_id=raw.get("session_id"), created_at=float(raw["created_at"]),
                updated_at=float(raw["updated_at"]),
                history=[HistoryEntry.from_dict(h) for h in raw.get("history") or []],
                draft_fields=dict(raw.get("draft_fields") or {}),
                draft_flags=[str(f) for f in raw.get("draft_flags") or []],
                draft_confidence={str(k): float(v) for k, v in (raw.get("draft_confidence") or {}).items()},
                satisfaction=raw.get("satisfaction"),
                # Records stored before the back office existed lack these: the defaults apply.
                return_count=int(raw.get("return_count") or 0),
                flags=[str(f) for f in raw.get("flags") or []],
                replies=[dict(r) for r in raw.get("replies") or []],
                survey=_optional_dict(raw.get("survey")),
                extension_request=_optional_dict(raw.get("extension_request")),
                signed_at=None if raw.get("signed_at") is None else float(raw["signed_at"]),
                draft_accepted={str(k): bool(v) for k, v in (raw.get("draft_accepted") or {}).items()},
                merged_into=raw.get("merged_into"),
                merged_from=[str(i) for i in raw.get("merged_from") or []],
                version=int(raw.get("version") or 0))
        except KeyError as exc:
            raise InvalidField(f"malformed ticket record: missing {exc}") from None
        except (TypeError, ValueError):
            raise InvalidField("malformed ticket record: a value has the wrong type") from None


def _optional_dict(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return dict(value)


def _channel_of(value: Channel | str) -> Channel:
    return value if isinstance(value, Channel) else channel(value)


def _validate(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in changes.items():
        check = EDITABLE.get(name)
        if check is None:
            known = name in Ticket.__dataclass_fields__
            what = f"field '{name}' cannot be edited" if known else f"unknown field '{str(name)[:40]}'"
            raise InvalidField(f"{what}; editable fields are: {', '.join(EDITABLE)}")
        out[name] = check(value)
    return out
