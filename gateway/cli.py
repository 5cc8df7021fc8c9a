"""``hotline-gateway``: serve, and manage seats and users."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.config import Config, load_config
from gateway.errors import GatewayError

T = TypeVar("T")


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per configuration field, so every knob has a flag, a variable and a file key."""
    p.add_argument("--config", help="TOML configuration file (or HOTLINE_CONFIG)")
    for f in dataclasses.fields(Config):
        if f.name == "routing":
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            p.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                           help=f"(HOTLINE_{f.name.upper()})")
        else:
            p.add_argument(flag, dest=f.name, default=None, help=f"(HOTLINE_{f.name.upper()})")


def _config(args: argparse.Namespace) -> Config:
    names = {f.name for f in dataclasses.fields(Config)}
    return load_config(args.config, overrides={k: v for k, v in vars(args).items() if k in names})


def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.logsetup import setup_logging
    config = _config(args)
    setup_logging(config.log_level, config.log_format)
    return asyncio.run(_serve(config))


async def _serve(config: Config) -> int:
    from aiohttp import web

    from gateway.demo import DEMO_OFFICE, DEMO_PASSWORD, demo_seats
    from gateway.storage import redact_url
    from gateway.web.app import create_app

    ssl_context, tls_lines = _tls(config)
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=ssl_context)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()        # close the database cleanly before reporting the error
        raise
    port = runner.addresses[0][1] if runner.addresses else config.port
    scheme = "https" if ssl_context is not None else "http"
    bases = _listen_urls(scheme, config.host, port)
    base = bases[0]
    lines = [f"hotline-gateway listening on {', '.join(bases)}",
             f"  caller chat page : {base}/chat",
             f"  caller video/voice: {base}/video (sign language)  {base}/voice",
             f"  agent console    : {base}/console",
             f"  airport kiosk    : {base}/kiosk?kiosk=PVG-T2-01  (report: {base}/kiosk/report)",
             f"  back office      : {base}/office   supervisor dashboard: {base}/supervisor",
             f"  self-service API : {base}/open311/v2/services.json  {base}/api/v1/openapi.json",
             f"  health / metrics : {base}/healthz  {base}/metrics",
             f"  database         : {redact_url(config.db)}", *tls_lines]
    if config.demo:
        lines.append(f"  demo seat logins (password '{DEMO_PASSWORD}' for all; demo only):")
        for s in demo_seats():
            skills = ", ".join(f"{k}={v}" for k, v in s.skills.items())
            lines.append(f"    {s.login:<14} {s.kind:<9} {skills}")
        lines.append("  back-office logins (same password): " + ", ".join(login for login, *_ in DEMO_OFFICE))
        lines.append("  try it: open the chat page in one tab (pick 日本語), log in as seat-ja in another.")
        lines.append("  video: /video with test ID 11010519491231002X and certificate 11010519491231002X12, "
                     "seat-csl on the console.")
    print("\n".join(lines), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("hotline-gateway: shutting down (finishing writes)", flush=True)
    await runner.cleanup()
    return 0


def _tls(config: Config) -> tuple[Any, list[str]]:
    """The server's SSL context (or None) and what the banner says about it."""
    from gateway import tls
    if config.tls_self_signed:
        from pathlib import Path
        folder = Path(config.secret_file).parent / "tls"
        cert, key, created = tls.self_signed(folder)
        fp = tls.fingerprint(cert)
        return tls.server_context(cert, key), [
            f"  TLS              : self-signed certificate {'created' if created else 'reused'}: {cert}",
            f"  SHA-256          : {fp}",
            "  to trust it on another device: copy that .crt file to it and install it as a trusted",
            "  certificate (Android: Settings > Security > Encryption > Install a certificate; iOS: open it,",
            "  then Settings > General > About > Certificate Trust Settings), or accept the browser's",
            "  warning after checking that the fingerprint it shows is the one above."]
    if config.tls_cert:
        return tls.server_context(config.tls_cert, config.tls_key), [f"  TLS              : {config.tls_cert}"]
    return None, []


def _listen_urls(scheme: str, host: str, port: int) -> list[str]:
    """One URL per address the server answers on: every address of the machine for 0.0.0.0/::."""
    from gateway import tls
    if host in ("0.0.0.0", "::", ""):
        hosts = ["localhost", *tls.host_addresses()]
    elif host in ("127.0.0.1", "::1", "localhost"):
        hosts = ["localhost"]
    else:
        hosts = [host]
    return [f"{scheme}://{'[' + h + ']' if ':' in h else h}:{port}" for h in hosts]


class StorageUnavailable(GatewayError):
    """The database could not be opened or used: the environment, not the command line (exit 1)."""
    code = "storage_unavailable"
    status = 503


async def _open_repo(db: str | None, config: str | None = None) -> Any:
    """The repository for ``--db`` (or the configured one), opened and migrated."""
    from gateway.storage import create_repository, redact_url
    cfg = load_config(config, overrides={"db": db})
    repo = create_repository(cfg.db, synchronous=cfg.sqlite_synchronous, pool_size=min(cfg.db_pool_size, 4))
    try:
        await repo.open()
    except (GatewayError, OSError):
        raise
    except Exception as exc:  # the driver's own error (sqlite3, psycopg): one line, no traceback
        raise StorageUnavailable(f"cannot open the database {redact_url(cfg.db)}: {type(exc).__name__}: {exc}"
                                 ) from None
    return repo


async def _with_repo(db: str | None, fn: Callable[[Any], Awaitable[T]]) -> T:
    repo = await _open_repo(db)
    try:
        return await fn(repo)
    finally:
        await repo.close()


def cmd_seats_create(args: argparse.Namespace) -> int:
    from gateway.acd import parse_skills
    from gateway.auth import hash_password, new_token
    from gateway.storage.records import UserRecord

    skills = parse_skills(args.skills)
    password = args.password or new_token()[:16]
    user = UserRecord(id=uuid.uuid4().hex, login=args.login, name=args.name or args.login, role="agent",
                      seat_kind=args.kind, skills=skills, password_hash=hash_password(password),
                      created_at=time.time())
    asyncio.run(_with_repo(args.db, lambda repo: repo.create_user(user)))
    print(f"seat {args.login} created ({args.kind}; {', '.join(f'{k}={v}' for k, v in skills.items())}); "
          f"password: {password}")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from gateway.auth import new_token, token_hash
    from gateway.storage.records import UserRecord

    roles = ("agent", "reviewer", "callback", "department", "supervisor", "admin")
    if args.role not in roles:
        raise GatewayError(f"role must be one of {', '.join(roles)}", code="invalid_field")
    if args.role == "department" and not args.department:
        raise GatewayError("a department user needs --department CODE", code="invalid_field")
    if args.department:
        from gateway.domain import catalog
        catalog.department(args.department)
    token = new_token()
    uid = uuid.uuid4().hex
    login = args.login or f"{args.role}-{uid[:8]}"

    async def create(repo: Any) -> None:
        await repo.create_user(UserRecord(id=uid, login=login, name=args.name, role=args.role,
                                          department=args.department, created_at=time.time()))
        await repo.add_token(token_hash(token), uid, time.time(), None)
    asyncio.run(_with_repo(args.db, create))
    print(f"user {login} ({args.role}) created; access token: {token}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database's schema up to date (serve does this at start-up too)."""
    from gateway.storage import redact_url
    version = asyncio.run(_with_repo(args.db, lambda repo: repo.schema_version()))
    print(f"database {redact_url(args.db or load_config().db)} is at schema version {version}")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy every table from one store to an empty other, then verify row counts and checksums."""
    from gateway.storage import copy as dbcopy
    from gateway.storage import redact_url
    if args.source == args.target:
        raise GatewayError("--from and --to are the same database", code="invalid_field")

    async def run() -> list[dbcopy.TableReport]:
        source = await _open_repo(args.source)
        try:
            target = await _open_repo(args.target)
            try:
                return await dbcopy.copy_all(source, target)
            finally:
                await target.close()
        finally:
            await source.close()
    reports = asyncio.run(run())
    print(f"copied {redact_url(args.source)} -> {redact_url(args.target)}")
    for r in reports:
        print(f"  {r.table:<17} {r.rows:>9} rows  sha256 {r.checksum[:16]}  verified")
    print(f"all {len(reports)} tables verified: row counts and checksums match")
    return 0


def _translation(args: argparse.Namespace):
    from translate.service import TranslationService
    cfg = load_config(args.config, overrides={"translate_dir": args.translate_dir})
    return TranslationService(cfg.translate_dir, max_chars=cfg.mt_max_chars)


def cmd_models_install(args: argparse.Namespace) -> int:
    from pathlib import Path
    svc = _translation(args)
    try:
        installed = svc.engine.install([Path(p) for p in args.paths])
    finally:
        svc.close()
    for pkg in installed:
        print(f"installed {pkg.get('from')}->{pkg.get('to')} ({pkg.get('name') or pkg.get('path', '')})")
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    import json as _json
    svc = _translation(args)
    try:
        pairs = svc.engine.pairs()
    finally:
        svc.close()
    if args.json:
        print(_json.dumps(pairs, ensure_ascii=False))
        return 0
    to_zh = [p for p in pairs if p["to"] == "zh"]
    from_zh = [p for p in pairs if p["from"] == "zh"]
    print(f"{len(pairs)} translation directions installed under {svc.data_dir}")
    for title, rows in (("into Chinese (caller -> seat):", to_zh), ("from Chinese (seat -> caller):", from_zh)):
        print(title)
        for p in sorted(rows, key=lambda r: (r["from"], r["to"])):
            via = f"  via {p['via']}" if p.get("via") else "  direct"
            print(f"  {p['from']} -> {p['to']}{via}")
        if not rows:
            print("  (none)")
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    """One case a line in ({"id","lang","text","reference_time"}), one draft a line out."""
    import json as _json
    if args.db is not None:
        from gateway.storage import backend_of
        backend_of(args.db)
    svc = _translation(args) if not args.no_mt else None
    from translate.drafting import draft_case
    from translate import detect as _detect
    src = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")
    bad = 0
    try:
        for n, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                case = _json.loads(line)
                if not isinstance(case, dict) or not isinstance(case.get("text"), str):
                    raise ValueError("each line must be an object with a 'text' string")
                if svc is not None:
                    out = svc.draft_sync(case)
                else:
                    out = draft_case(case, translator=None, detector=_detect.best)
            except (ValueError, GatewayError) as exc:
                bad += 1
                msg = exc.message if isinstance(exc, GatewayError) else str(exc)
                print(f"hotline-gateway draft: line {n}: {msg}", file=sys.stderr)
                out = {"id": case.get("id") if isinstance(case, dict) else None, "error": msg}
            print(_json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        if src is not sys.stdin:
            src.close()
        if svc is not None:
            svc.close()
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline-gateway", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the gateway (pages, API, WebSockets) on one port")
    _add_config_flags(serve)
    serve.set_defaults(func=cmd_serve)

    seats = sub.add_parser("seats", help="manage seats").add_subparsers(dest="seats_cmd", required=True)
    sc = seats.add_parser("create", help="create a seat (agent or volunteer)")
    sc.add_argument("--login", required=True)
    sc.add_argument("--name")
    sc.add_argument("--kind", choices=["agent", "volunteer"], default="agent")
    sc.add_argument("--skills", required=True, help="e.g. 'lang:ja=4,lang:en=3' or 'sign:csl=5'")
    sc.add_argument("--password", help="default: a random one, printed")
    sc.add_argument("--db", help="a SQLite file path or a postgresql:// URL (default: the configured db)")
    sc.set_defaults(func=cmd_seats_create)

    models = sub.add_parser("models", help="on-device translation packages (Argos .argosmodel)")
    msub = models.add_subparsers(dest="models_cmd", required=True)
    mi = msub.add_parser("install", help="install .argosmodel files from local paths")
    mi.add_argument("paths", nargs="+")
    ml = msub.add_parser("list", help="list the X<->zh directions available, direct or through English")
    ml.add_argument("--json", action="store_true")
    for p_ in (mi, ml):
        p_.add_argument("--translate-dir", help="where packages live (HOTLINE_TRANSLATE_DIR)")
        p_.add_argument("--config")
    mi.set_defaults(func=cmd_models_install)
    ml.set_defaults(func=cmd_models_list)

    dr = sub.add_parser("draft", help="draft tickets: one JSON case a line in, one draft a line out")
    dr.add_argument("--jsonl", required=True, help="input file, or - for standard input")
    dr.add_argument("--no-mt", action="store_true", help="draft without machine translation")
    dr.add_argument("--translate-dir")
    dr.add_argument("--db", help="checked like every command's --db; drafting itself reads no database")
    dr.add_argument("--config")
    dr.set_defaults(func=cmd_draft)

    users = sub.add_parser("users", help="manage back-office users").add_subparsers(dest="users_cmd", required=True)
    uc = users.add_parser("create", help="create a user; prints its access token as the last word")
    uc.add_argument("--role", required=True)
    uc.add_argument("--name", required=True)
    uc.add_argument("--login")
    uc.add_argument("--department")
    uc.add_argument("--db", help="a SQLite file path or a postgresql:// URL (default: the configured db)")
    uc.set_defaults(func=cmd_users_create)

    mg = sub.add_parser("migrate", help="create or update the database schema (serve also does it at start-up)")
    mg.add_argument("--db", help="a SQLite file path or a postgresql:// URL (HOTLINE_DB)")
    mg.set_defaults(func=cmd_migrate)

    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_cmd", required=True)
    dc = db.add_parser("copy", help="copy every table into an EMPTY database, then verify counts and checksums")
    dc.add_argument("--from", dest="source", required=True, help="e.g. var/gateway.sqlite3")
    dc.add_argument("--to", dest="target", required=True, help="e.g. postgresql://hotline@db.internal/hotline")
    dc.set_defaults(func=cmd_db_copy)

    keys = sub.add_parser("apikeys", help="API keys for self-service clients (Open311, the mini program)")
    kc = keys.add_subparsers(dest="apikeys_cmd", required=True).add_parser(
        "create", help="create a client key; prints the key (shown once) as the last word")
    kc.add_argument("--name", required=True, help="who the client is, e.g. 'mini-program' or 'fixmystreet'")
    kc.add_argument("--db", help="a SQLite file path or a postgresql:// URL (default: the configured db)")
    kc.set_defaults(func=cmd_apikeys_create)
    return p


def cmd_apikeys_create(args: argparse.Namespace) -> int:
    from miniapp_api import apikeys
    try:
        rec = apikeys.new_record(args.name, time.time())
    except ValueError as exc:
        raise GatewayError(str(exc), code="invalid_field") from None
    key = apikeys.new_key()
    asyncio.run(_with_repo(args.db, lambda repo: repo.create_api_key(rec, apikeys.key_hash(key))))  # only the hash
    print(f"API key for {rec.name} created (store it now; it is not shown again): {key}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except StorageUnavailable as exc:
        print(f"hotline-gateway: database error: {exc.message}", file=sys.stderr)
        return 1
    except GatewayError as exc:
        print(f"hotline-gateway: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        # The environment, not the command line: a port in use, an unwritable folder.
        # One line, exit 1, instead of a traceback.
        print(f"hotline-gateway: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
