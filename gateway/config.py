"""Configuration: defaults < TOML file < environment (HOTLINE_*) < command-line flags.

Every operational knob has all three spellings, LibreTranslate-style: the
field ``max_message_chars`` is ``max_message_chars = 2000`` in the file,
``HOTLINE_MAX_MESSAGE_CHARS=2000`` in the environment and
``--max-message-chars 2000`` on ``hotline-gateway serve``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import InvalidField

ENV_PREFIX = "HOTLINE_"


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 12345
    # A SQLite file (the embedded default) or postgresql://user@host:5432/dbname (see README).
    db: str = "var/gateway.sqlite3"
    # PostgreSQL only: the most connections this node keeps open.
    db_pool_size: int = 10
    # FULL: every commit is fsynced before a message or ticket is acknowledged.
    sqlite_synchronous: str = "FULL"
    max_message_chars: int = 2000
    max_body_bytes: int = 1_048_576
    max_ws_frame_bytes: int = 65_536
    seat_reconnect_grace_s: float = 15.0
    # A waiting caller with no open connection for this long has left (closed the tab, lost the
    # network for good, a kiosk wiped mid-request): the session is abandoned, no seat is rung for it.
    caller_abandon_s: float = 180.0
    # A new session whose page never opens its socket at all leaves the queue after this long
    # (real pages connect within a second; a flood of sessions from a script does not).
    caller_connect_s: float = 30.0
    # Callers starting sessions: per client address (the real client behind trusted_proxies),
    # and at most this many new sessions may wait for their page's first connection at once.
    session_rate_per_address_per_min: int = 120
    max_unconnected_sessions: int = 500
    seat_token_ttl_s: float = 12 * 3600.0
    # Seat logins (POST /api/v1/auth/login; policy in gateway.auth.LoginGuard).  Failed attempts
    # allowed in a row for one login name, from any address, and from one client address, for any
    # login; once spent, one more attempt per login_failure_refill_s (answered 429 + Retry-After
    # until then).  A successful login does not count.
    login_failures_per_login: int = 5
    login_failures_per_address: int = 20
    login_failure_refill_s: float = 60.0
    # Password hashing (scrypt, ~50 ms of CPU each) runs on this many dedicated threads, never on
    # the event loop; at most login_hash_queue more logins wait for one, beyond that the gateway
    # answers 503 with Retry-After at once instead of queueing without bound.
    login_hash_workers: int = 2
    login_hash_queue: int = 16
    queue_update_interval_s: float = 1.0
    demo: bool = False
    secret_file: str = "var/secret.key"
    log_level: str = "INFO"
    log_format: str = "json"          # json | text
    languages: list[str] = field(default_factory=list)   # empty: all 18
    # On-device translation (Argos).  Packages live in translate_dir/packages and are
    # installed with `hotline-gateway models install PATH...`; nothing is ever downloaded.
    mt_enabled: bool = True
    translate_dir: str = "var/translate"
    mt_max_chars: int = 5000
    mt_cache_size: int = 4096
    # Video calls: the caller's analysis copy (guidance) and recordings, kept only with consent.
    video_enabled: bool = True
    # 2 samples a second: guidance reacts within about 2 s and an analysed call costs
    # about 0.13 CPU-s/s (at 4 it was 0.21; bench/video_bench.py).
    video_analysis_fps: float = 2.0
    recordings_dir: str = "var/recordings"
    recording_retention_days: float = 30.0
    routing: dict[str, Any] = field(default_factory=dict)  # empty: gateway.acd.DEFAULT_ROUTING
    # Airport kiosks (/kiosk?kiosk=ID).  The QR code they show opens this mini-program address
    # with ?lang=xx&src=kiosk-ID appended.
    miniapp_url: str = "https://12345.sh.gov.cn/miniapp"
    # A kiosk wipes everything a visitor typed after this many seconds without a touch.
    kiosk_idle_reset_s: float = 60.0
    # The kiosk ids this deployment counts (e.g. PVG-T2-01); empty: any well-formed id.
    kiosks: list[str] = field(default_factory=list)
    # Self-service submissions (Open311 and the mini program): photos and abuse limits.
    attachments_dir: str = "var/attachments"
    miniapp_max_photo_bytes: int = 8_000_000
    miniapp_max_photo_pixels: int = 40_000_000
    miniapp_max_description_chars: int = 4000
    miniapp_rate_per_client_per_min: int = 600
    miniapp_rate_per_submitter_per_hour: int = 10
    # ... and per client address (the real client behind trusted_proxies), whatever device id each
    # submission claims, at most 20 at once.  Higher than the per-submitter budget, because offices
    # and mobile carriers put many people behind one address.
    miniapp_rate_per_address_per_hour: int = 60
    # HTTPS and WSS on the same port: a certificate and its key (PEM), or a self-signed one made
    # once under var/tls/ for trying it across devices on a LAN.
    tls_cert: str = ""
    tls_key: str = ""
    tls_self_signed: bool = False
    # WebRTC across networks: TURN relays (coturn) with short-lived credentials minted from
    # turn_secret (coturn's static-auth-secret), STUN, and "relay" to force every call through TURN.
    turn_urls: list[str] = field(default_factory=list)
    turn_secret: str = field(default="", repr=False)      # never printed, logged or sent to a page
    turn_ttl_s: float = 3600.0
    stun_urls: list[str] = field(default_factory=list)
    ice_transport_policy: str = "all"
    # Proxies (e.g. nginx) whose X-Forwarded-For / X-Forwarded-Proto are believed; addresses or
    # networks.  Empty: those headers are ignored and the peer address is the client's.
    trusted_proxies: list[str] = field(default_factory=list)

    def ice(self) -> Any:
        """The ICE settings (gateway.domain.ice.IceSettings), validated."""
        from gateway.domain.ice import from_lists
        return from_lists(self.turn_urls, self.turn_secret, self.turn_ttl_s, self.stun_urls, self.ice_transport_policy)

    def validate(self) -> "Config":
        if not (0 <= self.port <= 65535):
            raise InvalidField(f"port must be between 0 and 65535, not {self.port}")
        for name in ("max_message_chars", "max_body_bytes", "max_ws_frame_bytes"):
            if getattr(self, name) <= 0:
                raise InvalidField(f"{name} must be positive")
        if self.max_ws_frame_bytes < self.max_message_chars * 4 + 256:
            self.max_ws_frame_bytes = self.max_message_chars * 4 + 256
        if self.log_format not in ("json", "text"):
            raise InvalidField("log_format must be 'json' or 'text'")
        # Checked here so that a typo is a one-line configuration error, not a ValueError
        # traceback from SQLite or logging at start-up.
        sync = self.sqlite_synchronous.strip().upper()
        if sync not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise InvalidField(f"sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA, not {self.sqlite_synchronous!r}")
        self.sqlite_synchronous = sync
        from gateway.storage import backend_of
        backend_of(self.db)                       # an unknown URL scheme is a configuration error
        if not 1 <= self.db_pool_size <= 500:
            raise InvalidField(f"db_pool_size must be from 1 to 500, not {self.db_pool_size!r}")
        level = self.log_level.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise InvalidField(f"log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {self.log_level!r}")
        self.log_level = level
        for name in ("seat_reconnect_grace_s", "seat_token_ttl_s", "queue_update_interval_s", "caller_abandon_s",
                     "caller_connect_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidField(f"{name} must be a finite number of seconds >= 0, not {value!r}")
        if not math.isfinite(self.login_failure_refill_s) or self.login_failure_refill_s <= 0:
            raise InvalidField(f"login_failure_refill_s must be a number of seconds > 0, not {self.login_failure_refill_s!r}")
        if self.login_hash_queue < 0:
            raise InvalidField(f"login_hash_queue must be 0 or more, not {self.login_hash_queue!r}")
        if self.session_rate_per_address_per_min <= 0 or self.max_unconnected_sessions <= 0:
            raise InvalidField("session_rate_per_address_per_min and max_unconnected_sessions must be positive")
        for name in ("seat_token_ttl_s", "queue_update_interval_s", "caller_abandon_s", "caller_connect_s"):
            if getattr(self, name) == 0:
                raise InvalidField(f"{name} must be greater than 0")
        self._validate_kiosk()
        self.ice()                                 # TURN/STUN settings are checked at start-up
        if bool(self.tls_cert) != bool(self.tls_key):
            raise InvalidField("tls_cert and tls_key go together: the certificate and its private key")
        if self.tls_self_signed and self.tls_cert:
            raise InvalidField("tls_self_signed makes its own certificate; do not also give tls_cert")
        import ipaddress
        for p in self.trusted_proxies:
            try:
                ipaddress.ip_network(p, strict=False)
            except ValueError:
                raise InvalidField(f"trusted_proxies: {p[:60]!r} is not an IP address or network") from None
        for name in ("miniapp_max_photo_bytes", "miniapp_max_photo_pixels", "miniapp_max_description_chars",
                     "miniapp_rate_per_client_per_min", "miniapp_rate_per_submitter_per_hour",
                     "miniapp_rate_per_address_per_hour", "login_failures_per_login", "login_failures_per_address",
                     "login_hash_workers"):
            if getattr(self, name) <= 0:
                raise InvalidField(f"{name} must be positive, not {getattr(self, name)!r}")
        return self

    def _validate_kiosk(self) -> None:
        """Kiosk settings: checked at start-up, so a wrong URL is not discovered from a printed QR code."""
        from urllib.parse import urlsplit
        url = urlsplit(self.miniapp_url.strip())
        if url.scheme not in ("http", "https") or not url.netloc or url.fragment:
            raise InvalidField(f"miniapp_url must be an http(s) address without a #fragment, not {self.miniapp_url!r}")
        self.miniapp_url = self.miniapp_url.strip()
        idle = self.kiosk_idle_reset_s
        if not math.isfinite(idle) or not 5 <= idle <= 3600:
            raise InvalidField(f"kiosk_idle_reset_s must be between 5 and 3600 seconds, not {idle!r}")
        from gateway.kiosk import check_kiosk_id
        self.kiosks = [check_kiosk_id(k, configured=None) for k in self.kiosks]


def _coerce(name: str, typ: Any, value: Any) -> Any:
    tname = typ if isinstance(typ, str) else getattr(typ, "__name__", str(typ))
    try:
        if tname == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in ("1", "true", "yes", "on"):
                return True
            if s in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if tname == "int":
            # int(True) == 1 and int(8080.9) == 8080 would silently accept a wrong value.
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if tname == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if tname == "str":
            return str(value)
        if tname.startswith("list"):
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return list(value)
        if tname.startswith("dict"):
            if not isinstance(value, Mapping):
                raise ValueError(value)
            return dict(value)
    except (TypeError, ValueError) as exc:
        raise InvalidField(f"configuration value for {name!r} is not a valid {tname}: {value!r}") from exc
    return value


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    env = os.environ if env is None else env
    fields = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    path = path or env.get(ENV_PREFIX + "CONFIG")
    if path:
        p = Path(path)
        if not p.is_file():
            raise InvalidField(f"configuration file {str(p)!r} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidField(f"configuration file {str(p)!r} is not valid TOML: {exc}") from exc
        except OSError as exc:
            raise InvalidField(f"configuration file {str(p)!r} cannot be read: {exc.strerror or exc}") from exc
        for k, v in data.items():
            if k not in fields:
                raise InvalidField(f"unknown configuration key {k!r} in {str(p)!r}")
            values[k] = _coerce(k, fields[k].type, v)
    for name, f in fields.items():
        key = ENV_PREFIX + name.upper()
        if key in env and name != "routing":
            values[name] = _coerce(name, f.type, env[key])
    for k, v in (overrides or {}).items():
        if v is None:
            continue
        if k not in fields:
            raise InvalidField(f"unknown configuration key {k!r}")
        values[k] = _coerce(k, fields[k].type, v)
    return Config(**values).validate()
