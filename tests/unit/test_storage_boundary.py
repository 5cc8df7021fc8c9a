"""Callers see only the storage protocol: no SQLite (or PostgreSQL) type or import leaks out of
the backend modules, and loading the app pulls in neither driver until a store is opened."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "video", "miniapp_api", "translate", "languages")
BACKEND_MODULES = {"gateway/storage/sqlite.py", "gateway/storage/sqlite_miniapp.py", "gateway/storage/engine.py",
                   "gateway/storage/postgres.py", "gateway/storage/__init__.py"}
DRIVER_NAMES = {"sqlite3", "psycopg", "psycopg_pool", "SQLiteRepository", "SQLiteEngine", "PostgresRepository"}


def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {(node.module or "").split(".")[0], *(a.name for a in node.names)}
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def test_no_backend_type_outside_the_backends() -> None:
    leaks = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in BACKEND_MODULES:
                continue
            bad = _names(ast.parse(path.read_text(encoding="utf-8"))) & DRIVER_NAMES
            if bad:
                leaks[rel] = sorted(bad)
    assert leaks == {}


def test_loading_the_app_and_cli_imports_no_driver() -> None:
    code = ("import sys, gateway.web.app, gateway.cli, gateway.storage.repository;"
            "print(sorted(m for m in ('sqlite3', 'psycopg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
