"""Configuration: defaults < TOML file < HOTLINE_* environment < overrides, with clear errors."""

from __future__ import annotations

import dataclasses

import pytest

from gateway.config import Config, load_config
from gateway.errors import InvalidField


def write(tmp_path, text: str, name: str = "gw.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_file_env_or_overrides() -> None:
    cfg = load_config(env={})
    assert cfg == Config().validate()
    assert (cfg.host, cfg.port, cfg.sqlite_synchronous, cfg.demo, cfg.languages) == \
        ("127.0.0.1", 12345, "FULL", False, [])


def test_precedence_file_then_env_then_overrides(tmp_path) -> None:
    path = write(tmp_path, 'port = 1000\nhost = "0.0.0.0"\nmax_message_chars = 500\ndemo = true\n'
                           'log_level = "DEBUG"\n')
    env = {"HOTLINE_PORT": "2000", "HOTLINE_MAX_MESSAGE_CHARS": "600"}
    cfg = load_config(path, env=env, overrides={"port": "3000", "host": None})
    assert cfg.port == 3000                 # override beats env beats file
    assert cfg.max_message_chars == 600     # env beats file
    assert cfg.host == "0.0.0.0"            # a None override means "not given"
    assert cfg.demo is True and cfg.log_level == "DEBUG"   # file beats defaults
    assert cfg.db == Config.db              # untouched: default
    only_file = load_config(path, env={})
    assert (only_file.port, only_file.max_message_chars) == (1000, 500)


def test_config_file_named_by_environment(tmp_path) -> None:
    path = write(tmp_path, "port = 4321\n")
    assert load_config(env={"HOTLINE_CONFIG": str(path)}).port == 4321
    other = write(tmp_path, "port = 1111\n", "other.toml")
    assert load_config(other, env={"HOTLINE_CONFIG": str(path)}).port == 1111   # explicit path wins


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_bool_from_env(raw: str, expected: bool) -> None:
    assert load_config(env={"HOTLINE_DEMO": raw}).demo is expected


def test_numbers_and_lists_from_env() -> None:
    cfg = load_config(env={"HOTLINE_PORT": " 8080 ", "HOTLINE_SEAT_RECONNECT_GRACE_S": "2.5",
                           "HOTLINE_LANGUAGES": "ja, en,,ko ", "HOTLINE_MAX_BODY_BYTES": "4096",
                           "HOTLINE_SQLITE_SYNCHRONOUS": "normal"})
    assert cfg.port == 8080 and isinstance(cfg.port, int)
    assert cfg.seat_reconnect_grace_s == 2.5 and isinstance(cfg.seat_reconnect_grace_s, float)
    assert cfg.languages == ["ja", "en", "ko"]
    assert cfg.max_body_bytes == 4096
    assert cfg.sqlite_synchronous == "NORMAL"


def test_values_from_toml_keep_or_get_their_types(tmp_path) -> None:
    path = write(tmp_path, 'languages = ["ja", "en"]\nseat_token_ttl_s = 60\n'
                           '[routing]\nqueues = []\n')
    cfg = load_config(path, env={})
    assert cfg.languages == ["ja", "en"]
    assert cfg.seat_token_ttl_s == 60.0 and isinstance(cfg.seat_token_ttl_s, float)
    assert cfg.routing == {"queues": []}


def test_routing_is_not_read_from_env() -> None:
    assert load_config(env={"HOTLINE_ROUTING": "{}"}).routing == {}


def test_ws_frame_limit_grows_with_message_limit() -> None:
    cfg = load_config(env={}, overrides={"max_message_chars": 10_000, "max_ws_frame_bytes": 100})
    assert cfg.max_ws_frame_bytes == 10_000 * 4 + 256


# -- errors ---------------------------------------------------------------------------------

def test_unknown_key_in_file(tmp_path) -> None:
    path = write(tmp_path, "prot = 80\n")
    with pytest.raises(InvalidField, match="unknown configuration key 'prot'") as info:
        load_config(path, env={})
    assert info.value.code == "invalid_field"


def test_unknown_override_key() -> None:
    with pytest.raises(InvalidField, match="unknown configuration key 'colour'"):
        load_config(env={}, overrides={"colour": "blue"})


def test_missing_file(tmp_path) -> None:
    with pytest.raises(InvalidField, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})
    with pytest.raises(InvalidField, match="does not exist"):
        load_config(env={"HOTLINE_CONFIG": str(tmp_path / "nope.toml")})


def test_bad_toml(tmp_path) -> None:
    with pytest.raises(InvalidField, match="not valid TOML"):
        load_config(write(tmp_path, "port = = 1\n"), env={})


def test_file_that_is_not_utf8_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('host = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InvalidField, match="not valid TOML"):
        load_config(path, env={})


@pytest.mark.parametrize(("env", "match"), [
    ({"HOTLINE_PORT": "abc"}, "'port' is not a valid int: 'abc'"),
    ({"HOTLINE_PORT": "70000"}, "port must be between 0 and 65535, not 70000"),
    ({"HOTLINE_PORT": "-1"}, "port must be between"),
    ({"HOTLINE_DEMO": "maybe"}, "'demo' is not a valid bool"),
    ({"HOTLINE_SEAT_TOKEN_TTL_S": "soon"}, "'seat_token_ttl_s' is not a valid float"),
    ({"HOTLINE_MAX_MESSAGE_CHARS": "0"}, "max_message_chars must be positive"),
    ({"HOTLINE_LOG_FORMAT": "xml"}, "log_format must be"),
    ({"HOTLINE_LOG_LEVEL": "chatty"}, "log_level must be"),
    ({"HOTLINE_SQLITE_SYNCHRONOUS": "sometimes"}, "sqlite_synchronous must be"),
    ({"HOTLINE_SEAT_RECONNECT_GRACE_S": "-5"}, "seat_reconnect_grace_s must be a finite number"),
    ({"HOTLINE_SEAT_RECONNECT_GRACE_S": "nan"}, "seat_reconnect_grace_s must be a finite number"),
    ({"HOTLINE_QUEUE_UPDATE_INTERVAL_S": "0"}, "queue_update_interval_s must be greater than 0"),
])
def test_bad_env_values(env: dict[str, str], match: str) -> None:
    with pytest.raises(InvalidField, match=match):
        load_config(env=env)


@pytest.mark.parametrize(("line", "match"), [
    ("port = 70000", "port must be between"),
    ('port = "http"', "'port' is not a valid int"),
    ("port = 8080.5", "'port' is not a valid int"),     # not silently truncated to 8080
    ("port = true", "'port' is not a valid int"),       # not silently 1
    ("seat_token_ttl_s = false", "'seat_token_ttl_s' is not a valid float"),
    ('demo = "perhaps"', "'demo' is not a valid bool"),
    ("languages = 5", "'languages' is not a valid list"),
    ('routing = "fast"', "'routing' is not a valid dict"),
])
def test_bad_file_values(tmp_path, line: str, match: str) -> None:
    with pytest.raises(InvalidField, match=match):
        load_config(write(tmp_path, line + "\n"), env={})


def test_whole_number_float_is_accepted_for_int(tmp_path) -> None:
    assert load_config(write(tmp_path, "port = 8080.0\n"), env={}).port == 8080


def test_bad_override_value() -> None:
    with pytest.raises(InvalidField, match="'max_body_bytes' is not a valid int: 'lots'"):
        load_config(env={}, overrides={"max_body_bytes": "lots"})


def test_every_field_has_an_env_spelling() -> None:
    """Each field except routing can be set from HOTLINE_<NAME>."""
    samples = {"str": "x", "int": "7", "float": "7.5", "bool": "true", "list[str]": "a,b"}
    valid = {"sqlite_synchronous": "OFF", "log_level": "ERROR", "log_format": "text",
             "max_ws_frame_bytes": "100000", "mt_enabled": "false", "video_enabled": "false",
             "miniapp_url": "https://example.org/miniapp", "kiosks": "PVG-T2-01,SHA-T2-03",
             "turn_urls": "turn:turn.example.org:3478?transport=udp", "turn_ttl_s": "600",
             "stun_urls": "stun:stun.example.org:3478", "ice_transport_policy": "relay",
             "trusted_proxies": "127.0.0.1,10.0.0.0/8"}
    # settings that only make sense together with another
    partners = {"tls_cert": {"HOTLINE_TLS_KEY": "k.pem"}, "tls_key": {"HOTLINE_TLS_CERT": "c.pem"},
                "turn_urls": {"HOTLINE_TURN_SECRET": "s" * 20},
                "ice_transport_policy": {"HOTLINE_TURN_URLS": "turn:t.example.org:3478", "HOTLINE_TURN_SECRET": "s" * 20}}
    for f in dataclasses.fields(Config):
        if f.name == "routing":
            continue
        raw = valid.get(f.name, samples[f.type])
        cfg = load_config(env={"HOTLINE_" + f.name.upper(): raw, **partners.get(f.name, {})})
        assert getattr(cfg, f.name) != getattr(Config(), f.name), f.name
