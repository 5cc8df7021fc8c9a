"""The hostile corpus prints how many cases it ran when the session ends."""

from __future__ import annotations

from tests.hostile.harness import STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    if STATS["http"] or STATS["ws"]:
        terminalreporter.write_line(f"hostile corpus: {STATS['http']} HTTP cases, {STATS['ws']} WebSocket frames, "
                                    f"{STATS['server_errors']} server errors")
