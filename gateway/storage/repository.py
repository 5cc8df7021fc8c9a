"""The one storage interface the rest of the gateway talks to.

Two implementations honour it: SQLite (``sqlite.py``, the embedded default) and PostgreSQL
(``postgres.py``).  Callers see only this protocol; ``gateway.storage.create_repository`` picks
one from the ``db`` setting.  What every implementation must guarantee:

* **Durability.** A coroutine that writes returns only after its transaction is committed
  (SQLite ``synchronous=FULL`` by default; PostgreSQL with ``synchronous_commit`` on).  An
  acknowledgement to a client therefore always follows a commit.
* **No lost update.** A ticket carries ``version``, bumped by exactly one on every stored change.
  Changes go through :meth:`Repository.update_tickets` (an atomic read-modify-write, serialised
  against every other change to the same tickets by the store: the single writer thread, or a
  row lock) or through :meth:`Repository.save_ticket` (a compare-and-swap on ``version``).
* **Append-only history.** History rows are inserted in the same transaction as the change they
  describe, and never updated or deleted.
* **Message numbers** are allocated atomically per session (a counter on the session row), and
  ``(session_id, seq)`` and ``(session_id, client_id)`` are unique, however many writers there are.
* **Bad data is a GatewayError** (e.g. ``InvalidField``, ``Conflict``), never a driver exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from gateway.domain.ticket import Ticket
from gateway.storage import tables as _tables
from gateway.storage.records import (ApiKeyRecord, Builder, KioskCount, MessageRecord, ServiceRequestRecord,
                                     SessionRecord, UserRecord)

#: Mutates the loaded tickets in place, or raises to change nothing.  It runs inside the
#: store's transaction, so it must be quick and pure: no I/O, no awaiting.
TicketChange = Callable[[list[Ticket]], Any]

#: Tables in the order a copy must load them (parents before children); ``dump_table`` and
#: ``load_table`` speak of these, with the SQLite column names (``gateway/storage/tables.py``).
TABLES = _tables.TABLES


class Repository(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> bool: ...
    async def schema_version(self) -> int: ...

    # users and auth
    async def create_user(self, user: UserRecord) -> UserRecord: ...
    async def get_user(self, user_id: str) -> UserRecord | None: ...
    async def get_user_by_login(self, login: str) -> UserRecord | None: ...
    async def list_users(self, *, role: str | None = None) -> list[UserRecord]: ...
    async def add_token(self, token_hash: str, user_id: str, created_at: float, expires_at: float | None) -> None: ...
    async def user_for_token(self, token_hash: str, now: float) -> UserRecord | None: ...
    async def revoke_token(self, token_hash: str) -> None: ...

    # caller sessions and their transcripts
    async def create_session(self, session: SessionRecord) -> None: ...
    async def get_session(self, session_id: str) -> SessionRecord | None: ...
    async def update_session(self, session_id: str, **fields: Any) -> None:
        """Set some of: state, answered_at, ended_at, ended_by, seat_id, seat_name, ticket_id,
        enqueued_at, priority, meta (replaced whole).  No fields is a no-op; an unknown field is
        a ValueError; an unknown session a KeyError."""
        ...
    async def open_sessions(self) -> list[SessionRecord]: ...
    async def append_message(self, msg: MessageRecord) -> tuple[MessageRecord, bool]:
        """Store ``msg`` with the session's next seq (1, 2, ... with no gaps), allocated atomically
        from a counter on the session row, so concurrent writers on any node never collide.
        Idempotent on (session_id, client_id): a repeat returns the stored message and False.
        An unknown session raises ``NotFound``."""
        ...
    async def messages(self, session_id: str, after_seq: int = 0) -> list[MessageRecord]: ...
    async def merge_message_meta(self, session_id: str, seq: int, meta: dict[str, Any]) -> None:
        """Add keys to a stored message's meta atomically (the text never changes); KeyError if absent."""
        ...

    # tickets
    async def next_ticket_number(self, day: str) -> int:
        """The next number of the day's counter (1, 2, ...), allocated atomically."""
        ...
    async def insert_ticket(self, ticket: Ticket) -> None:
        """Store a new ticket and its history; sets ``ticket.version`` to 1."""
        ...
    async def save_ticket(self, ticket: Ticket) -> None:
        """Compare-and-swap: store ``ticket`` only if the stored version still equals
        ``ticket.version``, then bump it (``ticket.version`` too).  History rows past those
        already stored are appended.  A stale version raises ``PreconditionFailed`` (with the
        stored ``current_version``) and writes nothing; a missing ticket raises ``NotFound``."""
        ...
    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """:meth:`save_ticket` for several tickets in one transaction: all of them or none."""
        ...
    async def update_tickets(self, ticket_ids: Sequence[str], change: TicketChange, *,
                             expected: Mapping[str, int] | None = None) -> list[Ticket]:
        """Atomic read-modify-write of one or more tickets (a merge changes two).

        In one transaction, serialised against every other change to these tickets: load them
        (``NotFound`` if one is missing); if ``expected`` names a version for a ticket and the
        stored one differs, raise ``PreconditionFailed`` before ``change`` runs; call
        ``change(tickets)`` (in ``ticket_ids`` order), which mutates them or raises (then nothing
        is written and the exception propagates); write every ticket whose state changed with
        ``version + 1`` and its new history rows.  An unchanged ticket keeps its version.
        Returns the tickets as stored.  ``change`` runs inside the transaction (on SQLite's
        writer thread): it must be quick and pure."""
        ...
    async def update_ticket(self, ticket_id: str, change: Callable[[Ticket], Any], *,
                            expected_version: int | None = None) -> Ticket:
        """:meth:`update_tickets` for one ticket."""
        ...
    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        """The ticket with its version and whole history, or None."""
        ...
    async def list_tickets(self, *, statuses: Sequence[str] = (), channels: Sequence[str] = (),
                           departments: Sequence[str] = (), limit: int = 100,
                           with_history: bool = False, due_before: float | None = None) -> list[Ticket]: ...
    async def tickets_touched(self, since: float, until: float) -> list[Ticket]: ...
    async def contact_times(self, since: float, until: float) -> list[tuple[float, float | None, float | None, str]]: ...
    async def end_session_with_ticket(self, session_id: str, *, ended_at: float, ended_by: str,
                                      ticket: Ticket | None) -> None:
        """Close a session and create its draft ticket (version 1) in one transaction."""
        ...

    # anonymous kiosk counters (migration 0002)
    async def kiosk_count(self, kiosk: str, hour: str, event: str, lang: str, channel: str = "",
                          n: int = 1) -> int:
        """Add ``n`` to one counter (created at 0 if new) and return its new value."""
        ...
    async def kiosk_report(self, since: str, until: str, kiosk: str | None = None) -> list[KioskCount]:
        """Counters with ``since <= hour < until`` (hour buckets as text), by kiosk, hour, event, lang, channel."""
        ...

    # self-service clients and submissions (migration 0003; gateway/storage/miniapp_repo.py)
    async def create_api_key(self, rec: ApiKeyRecord, key_hash: str) -> ApiKeyRecord: ...
    async def api_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...
    async def insert_service_request(self, *, day: str, api_key_id: str, idem_key: str | None,
                                     build: Builder) -> tuple[ServiceRequestRecord, bool]:
        """Ticket number, ticket and service-request row in one transaction (or the earlier row
        stored under ``idem_key``, with created=False).

        ``build(seq)`` is called inside the transaction with the day's new ticket number, and
        returns the ticket (stored as version 1) and its row; it must be quick and pure, and it
        may be called again if the store retries the transaction.  Two concurrent submissions
        with the same ``idem_key`` store one ticket: the other gets it back with created=False."""
        ...
    async def service_request(self, *, number: str | None = None, token: str | None = None,
                              ticket_id: str | None = None) -> ServiceRequestRecord | None: ...
    async def find_service_requests(self, *, api_key_id: str | None, numbers: Sequence[str] = (),
                                    service_codes: Sequence[str] = (), start: float | None = None,
                                    end: float | None = None, ticket_states: Sequence[str] = (),
                                    idem_key: str | None = None,
                                    limit: int = 1000) -> list[tuple[ServiceRequestRecord, Ticket]]: ...

    # moving data between stores (``hotline-gateway db copy``)
    async def is_empty(self) -> bool:
        """True when no table in ``TABLES`` has a row."""
        ...
    async def dump_table(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` (one of ``TABLES``), ordered by primary key, as plain values
        under the SQLite column names: times as float epoch seconds, JSON columns parsed,
        booleans as bool."""
        ...
    async def load_table(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows shaped as :meth:`dump_table` returns them, in one transaction."""
        ...
