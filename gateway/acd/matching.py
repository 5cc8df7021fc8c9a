"""Pure matching: which waiting entry is offered to which idle seat right now."""

from __future__ import annotations

from collections.abc import Iterable

from .model import Entry, Seat


def routing_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=Entry.order_key)


def plan_offers(entries: Iterable[Entry], seats: Iterable[Seat], now: float) -> list[tuple[Entry, Seat]]:
    """Greedy assignment in routing order; each entry gets the longest-idle qualifying idle seat.

    An entry nobody can serve is skipped, so it never blocks later entries that
    need other skills or are in a different (wider) tier.
    """
    free = sorted((s for s in seats if s.idle), key=Seat.idle_key)
    plan: list[tuple[Entry, Seat]] = []
    if not free:
        return plan
    for entry in routing_order(e for e in entries if e.state == "waiting"):
        tier = entry.queue.tiers[entry.tier_index(now)]
        for i, seat in enumerate(free):
            if seat.admitted_by(tier, entry.skill):
                plan.append((entry, seat))
                del free[i]
                break
        if not free:
            break
    return plan


def earliest_deadline(entries: Iterable[Entry], seats: Iterable[Seat], now: float) -> float | None:
    """Earliest offer expiry, wrap-up end or next-tier opening of a waiting entry; None if nothing is timed."""
    times: list[float] = []
    for seat in seats:
        if seat.ringing and seat.offer_expires_at is not None:
            times.append(seat.offer_expires_at)
        elif seat.state == "wrap_up" and seat.until is not None:
            times.append(seat.until)
    for entry in entries:
        if entry.state == "waiting":
            at = entry.queue.next_threshold(entry.enqueued_at, now)
            if at is not None:
                times.append(at)
    return min(times) if times else None
