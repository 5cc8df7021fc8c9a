"""Seats with bearer tokens for the load benchmarks, through the repository interface (any backend)."""

from __future__ import annotations

import asyncio
import time
import uuid


def seed_seats(db: str, n: int, skills: dict[str, int], prefix: str) -> list[str]:
    """Create ``n`` agent seats with ``skills`` in ``db`` (a path or a postgresql:// URL); their tokens."""
    from gateway.auth import new_token, token_hash
    from gateway.storage import create_repository
    from gateway.storage.records import UserRecord

    async def run() -> list[str]:
        repo = create_repository(db)
        await repo.open()
        tokens, now = [], time.time()
        try:
            for i in range(n):
                uid = uuid.uuid4().hex
                await repo.create_user(UserRecord(id=uid, login=f"{prefix}-{i}", name=f"Bench seat {prefix} {i}",
                                                  role="agent", seat_kind="agent", skills=dict(skills),
                                                  created_at=now))
                tok = new_token()
                await repo.add_token(token_hash(tok), uid, now, None)
                tokens.append(tok)
        finally:
            await repo.close()
        return tokens
    return asyncio.run(run())
