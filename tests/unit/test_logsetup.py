"""Logging: one JSON object a line, and no ID, certificate or phone number ever reaches the output."""

from __future__ import annotations

import io
import json
import logging

import pytest

from gateway.logsetup import setup_logging

RAW_ID = "11010519491231002X"          # a valid 18-character resident ID (check digit X)
RAW_CERT = RAW_ID + "21"               # disability certificate: ID + category 2 + grade 1
RAW_PHONE = "13812345678"
RAWS = (RAW_ID, RAW_CERT, RAW_PHONE, "11010519491231002", "12345678")
MASKED_PHONE = "+86 138****5678"


@pytest.fixture
def logs():
    """Route the root logger into a StringIO; put the previous configuration back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("aiohttp.access").level)
    stream = io.StringIO()

    def setup(level: str = "INFO", fmt: str = "json") -> io.StringIO:
        stream.seek(0)
        stream.truncate()
        setup_logging(level, fmt, stream=stream)
        return stream

    setup()
    yield setup, stream
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[0]:
        root.addHandler(h)
    root.setLevel(saved[1])
    logging.getLogger("aiohttp.access").setLevel(saved[2])


def records(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def assert_clean(text: str) -> None:
    for raw in RAWS:
        assert raw not in text, f"{raw} leaked into {text!r}"


log = logging.getLogger("gateway.test")


def test_one_json_object_per_line(logs) -> None:
    _, stream = logs
    log.info("first")
    log.warning("second\nwith a newline and 中文", extra={"event": "e2", "session": "s1", "n": 3})
    log.debug("not shown at INFO")
    out = records(stream)
    assert len(stream.getvalue().splitlines()) == 2 == len(out)
    assert [(r["level"], r["logger"], r["msg"]) for r in out] == [
        ("info", "gateway.test", "first"),
        ("warning", "gateway.test", "second\nwith a newline and 中文"),
    ]
    assert (out[1]["event"], out[1]["session"], out[1]["n"]) == ("e2", "s1", 3)
    assert "中文" in stream.getvalue()            # not \\u-escaped
    assert set(out[0]) == {"ts", "level", "logger", "msg"}
    assert len(out[0]["ts"]) == len("2026-11-28T10:00:00.000") and out[0]["ts"][10] == "T"


def test_pii_in_the_message_is_masked(logs) -> None:
    _, stream = logs
    log.info(f"caller {RAW_PHONE} with ID {RAW_ID} and certificate {RAW_CERT}")
    text = stream.getvalue()
    assert_clean(text)
    msg = records(stream)[0]["msg"]
    assert MASKED_PHONE in msg and "110***********002X" in msg and "110*************2X21" in msg


def test_pii_in_string_args_is_masked(logs) -> None:
    _, stream = logs
    log.info("caller %s id %s cert %s", RAW_PHONE, RAW_ID, RAW_CERT)
    assert_clean(stream.getvalue())
    assert records(stream)[0]["msg"].startswith(f"caller {MASKED_PHONE} id 110")


def test_pii_in_non_string_args_is_masked(logs) -> None:
    _, stream = logs
    log.info("caller %d", int(RAW_PHONE))
    log.info("payload %r", {"phone": RAW_PHONE, "ids": [RAW_ID]})
    log.info("error was %s", ValueError(f"bad certificate {RAW_CERT}"))
    assert_clean(stream.getvalue())
    assert [MASKED_PHONE in r["msg"] for r in records(stream)] == [True, True, False]


def test_mapping_args_still_format_and_are_masked(logs, capsys) -> None:
    _, stream = logs
    log.info("caller %(phone)s in %(district)s", {"phone": RAW_PHONE, "district": "pudong"})
    assert "Logging error" not in capsys.readouterr().err
    out = records(stream)
    assert out[0]["msg"] == f"caller {MASKED_PHONE} in pudong"


def test_pii_in_extra_fields_is_masked(logs) -> None:
    _, stream = logs
    log.info("lookup", extra={"event": "lookup", "phone": RAW_PHONE, "id_number": RAW_ID,
                              "cert": RAW_CERT, "phone_int": int(RAW_PHONE),
                              "caller": {"numbers": [RAW_PHONE, f"cert {RAW_CERT}"], RAW_ID: "as a key"},
                              "count": 12345678, "elapsed_s": 0.25, "ok": True, "none": None})
    assert_clean(stream.getvalue().replace('"count": 12345678', ""))
    r = records(stream)[0]
    assert r["phone"] == MASKED_PHONE and r["phone_int"] == MASKED_PHONE
    assert r["id_number"] == "110***********002X" and r["cert"] == "110*************2X21"
    assert r["caller"]["numbers"][0] == MASKED_PHONE
    # harmless values keep their value and JSON type
    assert (r["event"], r["count"], r["elapsed_s"], r["ok"], r["none"]) == ("lookup", 12345678, 0.25, True, None)


def test_exceptions_are_logged_with_their_type_and_masked(logs) -> None:
    _, stream = logs
    try:
        raise KeyError(f"no caller {RAW_PHONE}")
    except KeyError:
        log.exception("lookup failed for %s", RAW_ID, extra={"event": "lookup_failed"})
    assert_clean(stream.getvalue())
    r = records(stream)[0]
    assert (r["level"], r["exc_type"], r["event"]) == ("error", "KeyError", "lookup_failed")
    assert "Traceback" in r["exc"] and "KeyError" in r["exc"] and MASKED_PHONE in r["exc"]
    log.info("no exception here", exc_info=False)
    assert "exc_type" not in records(stream)[1]


def test_text_format_masks_too(logs) -> None:
    setup, _ = logs
    stream = setup("INFO", "text")
    try:
        raise ValueError(f"bad id {RAW_ID}")
    except ValueError:
        log.exception("caller %s", RAW_PHONE)
    text = stream.getvalue()
    assert_clean(text)
    assert "ERROR gateway.test caller " + MASKED_PHONE in text and "ValueError: bad id 110" in text


def test_setup_replaces_handlers_and_sets_levels(logs) -> None:
    setup, _ = logs
    stream = setup("debug")
    setup_logging("DEBUG", stream=stream)            # twice: still one handler, no duplicate lines
    root = logging.getLogger()
    assert len(root.handlers) == 1 and root.level == logging.DEBUG
    assert logging.getLogger("aiohttp.access").level == logging.WARNING
    log.debug("visible")
    assert [r["msg"] for r in records(stream)] == ["visible"]
