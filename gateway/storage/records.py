"""Plain records that cross the repository boundary (tickets use the domain's own Ticket)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.domain.ticket import Ticket


@dataclass
class UserRecord:
    id: str
    login: str
    name: str
    role: str
    department: str | None = None
    seat_kind: str | None = None          # 'agent' | 'volunteer' | None
    skills: dict[str, int] = field(default_factory=dict)
    password_hash: str | None = None
    created_at: float = 0.0
    disabled: bool = False

    @property
    def is_seat(self) -> bool:
        return self.seat_kind is not None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "name": self.name, "role": self.role,
                "department": self.department, "seat_kind": self.seat_kind, "skills": dict(self.skills)}


@dataclass
class SessionRecord:
    id: str
    channel: str
    lang: str
    state: str                  # queued | active | ended | abandoned
    token_hash: str
    queue: str
    skill: str
    priority: int
    created_at: float
    enqueued_at: float
    answered_at: float | None = None
    ended_at: float | None = None
    ended_by: str | None = None
    seat_id: str | None = None
    seat_name: str | None = None
    ticket_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state in ("queued", "active")

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel, "lang": self.lang, "state": self.state}


@dataclass
class MessageRecord:
    session_id: str
    seq: int
    sender: str                 # caller | seat | system
    text: str
    created_at: float
    author: str | None = None
    client_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KioskCount:
    """One anonymous kiosk counter: how many ``event``\\ s in ``lang`` (and ``channel``) a kiosk saw in
    an hour.  These six fields are all there is: no IP, session or device is ever stored with it."""

    kiosk: str
    hour: str           # "2026-11-28T08": the hour in Shanghai time
    event: str
    lang: str
    channel: str        # "" for events without a channel
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"kiosk": self.kiosk, "hour": self.hour, "event": self.event, "lang": self.lang,
                "channel": self.channel or None, "count": self.count}


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    name: str
    created_at: float
    revoked: bool = False


@dataclass(frozen=True)
class ServiceRequestRecord:
    ticket_id: str
    number: str
    api_key_id: str
    token: str
    access_hash: str
    body_hash: str
    service_code: str
    lang: str
    requested_at: float
    idem_key: str | None = None
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media: str | None = None
    submitter_hash: str | None = None


SR_COLUMNS = tuple(ServiceRequestRecord.__dataclass_fields__)

#: Builds the ticket and its service-request row once the ticket number is known.
Builder = Callable[[int], "tuple[Ticket, ServiceRequestRecord]"]
