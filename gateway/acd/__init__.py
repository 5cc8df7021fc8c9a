"""Skill-based Automatic Call Distributor (ACD): pure, deterministic, clock-driven.

Seats (agents and volunteers) carry skills with proficiency 1-5 (``lang:ja=4``).
Routing is configuration (``RoutingConfig.from_dict``): a channel maps to a queue
and a skill; each queue's tiers widen the acceptable seats as the caller waits.
``ACD`` methods return lists of ``Event``\\ s and never do I/O; the async driver
calls ``tick()`` at ``next_deadline()``.

A seat starts in ``away`` after ``login`` and takes calls only once it sets
itself ``available``.  See ``engine`` for the seat life cycle.
"""

from .config import DEFAULT_ROUTING, QueueConfig, RoutingConfig, Tier, default_routing
from .engine import ACD
from .estimate import HandleTimes
from .events import (
    OFFER_WITHDRAWN_REASONS,
    REQUEUE_REASONS,
    Abandoned,
    Answered,
    Enqueued,
    Event,
    Finished,
    Offered,
    OfferWithdrawn,
    QueueChanged,
    Requeued,
    SeatStateChanged,
)
from .model import QueueStatus, SeatView
from .skills import MAX_LEVEL, MIN_LEVEL, SEAT_KINDS, SEAT_STATES, format_skills, parse_skills, validate_skills

__all__ = [
    "ACD",
    "DEFAULT_ROUTING",
    "MAX_LEVEL",
    "MIN_LEVEL",
    "OFFER_WITHDRAWN_REASONS",
    "REQUEUE_REASONS",
    "SEAT_KINDS",
    "SEAT_STATES",
    "Abandoned",
    "Answered",
    "Enqueued",
    "Event",
    "Finished",
    "HandleTimes",
    "OfferWithdrawn",
    "Offered",
    "QueueChanged",
    "QueueConfig",
    "QueueStatus",
    "Requeued",
    "RoutingConfig",
    "SeatStateChanged",
    "SeatView",
    "Tier",
    "default_routing",
    "format_skills",
    "parse_skills",
    "validate_skills",
]
