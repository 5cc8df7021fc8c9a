"""Prometheus metrics, through prometheus-client, on a registry per application."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _LiveCollector(Collector):
    """Reads queue and seat state at scrape time, so gauges are never stale."""

    def __init__(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        snap = self._snapshot()
        waiting = GaugeMetricFamily("hotline_queue_waiting", "Callers waiting, by queue and skill", labels=["queue", "skill"])
        oldest = GaugeMetricFamily("hotline_queue_oldest_wait_seconds", "Longest current wait, by queue and skill",
                                   labels=["queue", "skill"])
        for q in snap.get("queues", []):
            waiting.add_metric([q["queue"], q["skill"]], q["waiting"])
            oldest.add_metric([q["queue"], q["skill"]], q.get("oldest_wait_s") or 0.0)
        seats = GaugeMetricFamily("hotline_seats", "Logged-in seats, by state and kind", labels=["state", "kind"])
        for (state, kind), n in sorted(snap.get("seats", {}).items()):
            seats.add_metric([state, kind], n)
        active = GaugeMetricFamily("hotline_sessions_open", "Open caller sessions, by channel and state",
                                   labels=["channel", "state"])
        for (channel, state), n in sorted(snap.get("sessions", {}).items()):
            active.add_metric([channel, state], n)
        conns = GaugeMetricFamily("hotline_ws_connections", "Open WebSocket connections, by role", labels=["role"])
        for role, n in sorted(snap.get("connections", {}).items()):
            conns.add_metric([role], n)
        yield from (waiting, oldest, seats, active, conns)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.sessions_created = Counter("hotline_sessions_created", "Caller sessions created",
                                        ["channel", "lang"], registry=r)
        self.sessions_ended = Counter("hotline_sessions_ended", "Caller sessions ended, by outcome",
                                      ["channel", "outcome"], registry=r)
        self.queue_wait = Histogram("hotline_queue_wait_seconds", "Wait from queueing to a seat answering",
                                    ["queue"], buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, float("inf")),
                                    registry=r)
        self.messages = Counter("hotline_messages", "Chat messages stored", ["sender"], registry=r)
        self.tickets = Counter("hotline_tickets_created", "Tickets created", ["channel"], registry=r)
        self.requeues = Counter("hotline_requeues", "Callers put back at the head of the queue", ["reason"], registry=r)
        self.interpreter_requests = Counter("hotline_interpreter_requests", "Interpreters asked for by seats",
                                            ["lang"], registry=r)
        self.db_commit = Histogram("hotline_db_commit_seconds", "Duration of one group commit",
                                   buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, float("inf")),
                                   registry=r)
        self.db_batch = Histogram("hotline_db_batch_operations", "Operations per group commit",
                                  buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, float("inf")), registry=r)
        self.errors = Counter("hotline_client_errors", "Requests refused with a 4xx, by code", ["code"], registry=r)

    def attach_live(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.registry.register(_LiveCollector(snapshot))

    def on_commit(self, batch: int, seconds: float) -> None:
        self.db_commit.observe(seconds)
        self.db_batch.observe(batch)

    def render(self) -> bytes:
        return generate_latest(self.registry)
