"""Self-service submissions: one path for the Open311 and the native mini-program API.

A submission is checked (client key, rate limits, idempotency), its photo cleaned and
stored, its description drafted into a Chinese ticket by ``translate/`` (the same drafter
the seats' calls use), and then the ticket and its service-request row are committed in one
transaction.  Only then does the client get its reference number.  The ticket starts as a
``draft``: an agent checks the draft before it is accepted and dispatched, as for calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from gateway.chat.drafting import Drafter
from gateway.chat.ticketing import SHANGHAI
from gateway.clock import Clock
from gateway.domain import privacy
from gateway.errors import GatewayError, InvalidField
from gateway.domain.ticket import Attachment, CallerInfo, Channel, Ticket, ticket_number
from gateway.storage.records import ApiKeyRecord, ServiceRequestRecord
from gateway.storage.records import MessageRecord
from miniapp_api import apikeys
from miniapp_api.attachments import AttachmentStore, clean_image
from miniapp_api.open311 import SHANGHAI_BBOX, IdempotencyMismatch, InvalidApiKey, MissingApiKey
from gateway.ratelimit import SubmissionLimits

MAX_IDEMPOTENCY_KEY = 200
KEY_CACHE_S = 60.0


@dataclass(frozen=True)
class Submission:
    """A validated submission, whichever API it came through."""

    service_code: str
    description: str
    lang: str = "en"
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    address_id: str | None = None
    category: str | None = None
    district: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    device_id: str | None = None
    media_url: str | None = None
    share_location: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)

    def digest(self, photo: bytes | None) -> str:
        """Canonical hash: the same submission sent again hashes the same."""
        body = asdict(self)
        body["photo"] = hashlib.sha256(photo).hexdigest() if photo else None
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Accepted:
    record: ServiceRequestRecord
    ticket: Ticket
    created: bool                      # False: an idempotent replay of an earlier submission
    access_token: str | None = None    # only on creation: lets the submitter follow the ticket
    location_removed: bool = False     # the photo carried GPS and it was stripped


class SubmissionService:
    def __init__(self, *, repo: Any, drafter: Drafter, clock: Clock, secret: bytes, store: AttachmentStore,
                 limits: SubmissionLimits, max_photo_bytes: int, max_photo_pixels: int,
                 max_description: int = 4000) -> None:
        self.max_description = max_description
        self._keys: dict[str, tuple[ApiKeyRecord, float]] = {}
        self.repo = repo
        self.drafter = drafter
        self.clock = clock
        self.secret = secret
        self.store = store
        self.limits = limits
        self.max_photo_bytes = max_photo_bytes
        self.max_photo_pixels = max_photo_pixels

    # -- clients -----------------------------------------------------------------
    async def client(self, api_key: Any) -> ApiKeyRecord:
        """The client behind a key.  Known keys are remembered for ``KEY_CACHE_S`` so a busy
        client does not cost a database trip per request (a revoked key stops within that time)."""
        if api_key in (None, ""):
            raise MissingApiKey()
        if not apikeys.looks_like_key(api_key):
            raise InvalidApiKey()
        digest = apikeys.key_hash(api_key)
        now = self.clock.now()
        cached = self._keys.get(digest)
        if cached is not None and now - cached[1] < KEY_CACHE_S:
            return cached[0]
        rec = await self.repo.api_key_by_hash(digest)
        if rec is None or rec.revoked:
            self._keys.pop(digest, None)
            raise InvalidApiKey()
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[digest] = (rec, now)
        return rec

    def _submitter(self, sub: Submission, fallback: str | None) -> str | None:
        who = sub.device_id or sub.email or sub.phone or fallback
        return privacy.hash_identifier(who.strip().lower(), self.secret) if who else None

    # -- submitting ------------------------------------------------------------------
    async def submit(self, client: ApiKeyRecord, sub: Submission, *, photo: bytes | None = None,
                     idem_key: str | None = None, remote: str | None = None) -> Accepted:
        if idem_key is not None and not 1 <= len(idem_key) <= MAX_IDEMPOTENCY_KEY:
            raise InvalidField(f"the Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key")
        body_hash = sub.digest(photo)
        if idem_key is not None:            # a retry is answered before it costs a rate-limit token
            again = await self._replay(client, idem_key, body_hash)
            if again is not None:
                return again
        now = self.clock.now()
        submitter = self._submitter(sub, remote)
        # Also per client address (request.remote: the real client behind a trusted proxy), so a
        # fresh device_id on every submission does not get a fresh per-submitter budget.
        address = privacy.hash_identifier(remote, self.secret) if remote else None
        self.limits.check(client.id, submitter, now, address)
        image, removed = None, False
        if photo:
            # Decoding, re-encoding and fsync take ~0.2 s for a phone photo: off the event loop.
            try:
                image = await asyncio.to_thread(clean_image, photo, max_bytes=self.max_photo_bytes,
                                                max_pixels=self.max_photo_pixels, keep_location=sub.share_location)
            except GatewayError as exc:
                exc.field = exc.field or "media"
                raise
            removed = image.had_location and (not sub.share_location or image.location is None)
            if sub.lat is None and image.location and SHANGHAI_BBOX.contains(*image.location):
                sub = replace(sub, lat=image.location[0], long=image.location[1])
        fields, flags, confidence = await self._draft(sub, now)
        media_id = await asyncio.to_thread(self.store.save, image) if image else None   # fsynced before the ticket refers to it
        access = secrets.token_urlsafe(24)
        token = secrets.token_urlsafe(12)
        day = datetime.fromtimestamp(now, SHANGHAI).date()

        def build(seq: int) -> tuple[Ticket, ServiceRequestRecord]:
            number = ticket_number(day, seq)
            ticket = Ticket.new_draft(number=number, channel=Channel.MINIAPP, lang=sub.lang,
                                      text_original=sub.description, actor=f"client:{client.name}", now=now,
                                      caller=self._caller(sub), **fields)
            ticket.draft_flags, ticket.draft_confidence = flags, confidence
            if image and media_id:
                ticket.add_attachment(Attachment(id=media_id, kind="photo", content_type=image.content_type,
                                         size=len(image.data)), actor=f"client:{client.name}", now=now)
            rec = ServiceRequestRecord(
                ticket_id=ticket.id, number=number, api_key_id=client.id, token=token,
                access_hash=hashlib.sha256(access.encode()).hexdigest(), idem_key=idem_key, body_hash=body_hash,
                service_code=sub.service_code, lang=sub.lang, requested_at=now, lat=sub.lat, long=sub.long,
                address=sub.address, media=media_id, submitter_hash=submitter)
            return ticket, rec

        built: list[Ticket] = []

        def build_and_keep(seq: int) -> tuple[Ticket, ServiceRequestRecord]:
            ticket, rec = build(seq)
            built.append(ticket)
            return ticket, rec

        rec, created = await self.repo.insert_service_request(day=day.isoformat(), api_key_id=client.id,
                                                               idem_key=idem_key, build=build_and_keep)
        if not created:                     # the same key won a race a moment ago
            again = await self._replay(client, idem_key or "", body_hash)
            assert again is not None
            return again
        # The ticket as written (no read-back: one trip through the writer per submission).
        return Accepted(rec, built[-1], True, access, removed)

    async def _replay(self, client: ApiKeyRecord, idem_key: str, body_hash: str) -> Accepted | None:
        found = await self.repo.find_service_requests(api_key_id=client.id, limit=1, idem_key=idem_key)
        if not found:
            return None
        rec, ticket = found[0]
        if rec.body_hash != body_hash:
            raise IdempotencyMismatch("this Idempotency-Key was already used for a different submission; "
                                      "use a new key for a new report")
        return Accepted(rec, ticket, False)

    def _caller(self, sub: Submission) -> CallerInfo:
        info = CallerInfo(name=sub.name)
        if sub.phone:
            normal = privacy.validate_phone(sub.phone)
            info.phone_masked = privacy.mask_phone(normal)
            info.phone_hash = privacy.hash_identifier(normal, self.secret)
        return info

    async def _draft(self, sub: Submission, now: float) -> tuple[dict[str, Any], list[str], dict[str, float]]:
        """The Chinese draft from the submitter's words; what they chose themselves wins."""
        words = [sub.description] + ([sub.address] if sub.address else [])
        msgs = [MessageRecord(session_id="", seq=i + 1, sender="caller", text=t, created_at=now)
                for i, t in enumerate(words)]
        raw = await self.drafter.draft(lang=sub.lang, channel="miniapp", messages=msgs, reference_time=now)
        flags = [str(f) for f in raw.pop("flags", [])]
        confidence = {k: float(v) for k, v in (raw.pop("confidence", {}) or {}).items() if isinstance(v, (int, float))}
        raw.pop("text_original", None)
        fields = {k: v for k, v in raw.items() if k in ("category", "department", "district", "address",
                                                         "event_time", "text_zh")}
        if fields.get("department") and fields["department"] != sub.service_code:
            flags.append(f"draft_suggests_department:{fields['department']}")
        fields["department"] = sub.service_code
        for name in ("category", "district", "address"):
            chosen = getattr(sub, name)
            if chosen:
                fields[name] = chosen
                confidence[name] = 1.0
        confidence["department"] = 1.0
        return fields, flags, confidence
