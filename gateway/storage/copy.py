"""``hotline-gateway db copy``: move every table from one store into an empty other, and prove it.

Growing from the embedded SQLite file to PostgreSQL is a copy, not a rewrite: both backends
dump and load rows in one logical shape (``tables.py``).  The target must be empty, so a copy
never merges into live data.  After loading, every table is read back from the target and
compared with the source: the same number of rows and the same SHA-256 over the rows in a
canonical form (sorted by primary key, floats to the microsecond, which is PostgreSQL's
timestamp resolution).  Any difference is an error that names the table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from gateway.errors import Conflict, GatewayError
from gateway.storage import tables


@dataclass(frozen=True)
class TableReport:
    table: str
    rows: int
    checksum: str


class CopyMismatch(GatewayError):
    code = "copy_mismatch"
    status = 500


def _canon(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return value


def checksum(table: str, rows: list[dict[str, Any]]) -> str:
    """SHA-256 of the rows in canonical form: independent of the backend's order and types."""
    spec = tables.spec(table)
    canon = [[_canon(r.get(c)) for c in spec.columns] for r in rows]
    key = [spec.columns.index(k) for k in spec.key]
    canon.sort(key=lambda row: json.dumps([row[i] for i in key], ensure_ascii=False))
    h = hashlib.sha256()
    for row in canon:
        h.update(json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()


async def copy_all(source: Any, target: Any) -> list[TableReport]:
    """Copy every table (parents first), then verify each; raises before writing if the target has data."""
    if not await target.is_empty():
        raise Conflict("the target database is not empty; db copy only fills a new, empty database")
    reports = []
    for table in tables.TABLES:
        rows = await source.dump_table(table)
        if rows:
            await target.load_table(table, rows)
        want = checksum(table, rows)
        back = await target.dump_table(table)
        got = checksum(table, back)
        if len(back) != len(rows) or got != want:
            raise CopyMismatch(f"table {table}: the source has {len(rows)} rows (sha256 {want[:16]}), the "
                               f"target {len(back)} (sha256 {got[:16]}); the copy is NOT complete")
        reports.append(TableReport(table, len(rows), want))
    return reports
