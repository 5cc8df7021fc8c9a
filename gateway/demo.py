"""Demo users for ``scripts/run``: a seat per served language, sign-language seats, two volunteers,
and one back-office user per role (departments, reviewer, callback, supervisor).

The password is the same for all of them and printed on start-up: these are
for trying the gateway on one machine, never for a deployment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import languages
from gateway.auth import hash_password
from gateway.storage.records import UserRecord

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoSeat:
    login: str
    name: str
    kind: str
    skills: dict[str, int]


def demo_seats() -> list[DemoSeat]:
    seats = [DemoSeat(f"seat-{l.code}", f"{l.native} · {l.en} desk", "agent", {f"lang:{l.code}": 5})
             for l in languages.foreign_languages()]
    seats.append(DemoSeat("seat-zh", "中文 · Chinese desk", "agent", {"lang:zh": 5}))
    seats.append(DemoSeat("seat-csl", "手语 · Sign-language desk", "agent", {"sign:csl": 5, "lang:zh": 5}))
    seats.append(DemoSeat("seat-csl-2", "手语 · Sign-language desk 2", "agent", {"sign:csl": 4, "lang:zh": 5}))
    seats.append(DemoSeat("volunteer-1", "Volunteer Olena (uk/ru/en)", "volunteer",
                          {"lang:uk": 3, "lang:ru": 3, "lang:en": 2}))
    seats.append(DemoSeat("volunteer-2", "Volunteer Karim (ar/fa/fr)", "volunteer",
                          {"lang:ar": 3, "lang:fa": 2, "lang:fr": 2}))
    return seats


#: (login, name, role, department) for trying /office and /supervisor.
DEMO_OFFICE: tuple[tuple[str, str, str, str | None], ...] = (
    ("dept-water", "水务局 Water Authority", "department", "WATER"),
    ("dept-eco", "生态环境局 Ecology and Environment", "department", "ECOLOGY_ENVIRONMENT"),
    ("dept-district", "区政府 District government", "department", "DISTRICT"),
    ("reviewer", "复核组 Returns review", "reviewer", None),
    ("callback", "回访组 Callback team", "callback", None),
    ("supervisor", "值班长 Supervisor", "supervisor", None),
)


def demo_users(now: float) -> list[UserRecord]:
    pw = hash_password(DEMO_PASSWORD)   # one scrypt for all: start-up stays fast
    seats = [UserRecord(id=uuid.uuid4().hex, login=s.login, name=s.name, role="agent", seat_kind=s.kind,
                        skills=dict(s.skills), password_hash=pw, created_at=now) for s in demo_seats()]
    office = [UserRecord(id=uuid.uuid4().hex, login=login, name=name, role=role, department=dept,
                         password_hash=pw, created_at=now) for login, name, role, dept in DEMO_OFFICE]
    return seats + office
