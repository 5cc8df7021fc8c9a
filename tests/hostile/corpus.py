"""The table of hostile inputs: bodies, path segments, query strings and headers.

Each entry is (label, content type or None, body bytes).  The bodies aim at the parser
(depth, number size, encodings, lone surrogates), at the form readers (charsets, nested
multipart, non-UTF-8 parts) and at the content-type rules (a JSON body sent as a form)."""

from __future__ import annotations

import json

DEEP = 1000
HUGE_INT = "1" + "0" * 5000          # past Python's 4300-digit int-from-string limit
FIELDS = ("channel", "lang", "text", "q", "login", "password", "description", "kiosk", "event", "into",
          "reason", "note", "resolved", "satisfaction", "sdp", "type", "service_code", "address", "source",
          "target", "state", "category", "session", "title")


def _every_field(raw_value: str) -> bytes:
    """One object with every field name any endpoint reads, each set to ``raw_value`` (JSON text)."""
    return ("{" + ",".join(f'"{k}":{raw_value}' for k in FIELDS) + "}").encode()


def _plausible(**extra: str) -> bytes:
    """A body most endpoints would accept, with the hostile value spliced into one place."""
    base = {"channel": "chat", "lang": "en", "text": "hello there", "q": "hello", "login": "x", "password": "y",
            "service_code": "URBAN_MANAGEMENT", "description": "a pothole", "address": "1 Main St",
            "kiosk": "T1-ARR-01", "event": "open", "target": "zh", "source": "en"}
    text = json.dumps(base)[:-1]
    return (text + "".join(f', "{k}": {v}' for k, v in extra.items()) + "}").encode()


J = "application/json"
JSON_BODIES: list[tuple[str, str | None, bytes]] = [
    ("deep-array", J, b"[" * DEEP + b"]" * DEEP),
    ("deep-object", J, b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ("deep-100-in-field", J, _plausible(text="[" * 100 + "]" * 100)),
    ("deep-unclosed", J, b"[" * 100_000),
    ("huge-int-top", J, HUGE_INT.encode()),
    ("huge-int-fields", J, _every_field(HUGE_INT)),
    ("huge-int-plausible", J, _plausible(satisfaction=HUGE_INT, into_version=HUGE_INT, kiosk_hint=HUGE_INT)),
    ("huge-negative-int", J, _every_field("-" + HUGE_INT)),
    ("huge-exponent", J, _every_field("1e999999")),
    ("nan", J, _every_field("NaN")),
    ("infinity", J, _every_field("-Infinity")),
    ("lone-surrogate-fields", J, _every_field('"\\ud800"')),
    ("lone-low-surrogate", J, _plausible(text='"ok \\udfff ok"', note='"\\udc80"')),
    ("lone-surrogate-key", J, b'{"\\ud800": 1, "channel": "chat", "lang": "en"}'),
    ("surrogate-in-list", J, _plausible(q='["fine", "\\ud83d"]')),
    ("utf8-encoded-surrogate", J, _plausible().replace(b"hello there", b"hi \xed\xa0\x80")),
    ("invalid-utf8", J, _plausible().replace(b"hello there", b"hi \xff\xfe")),
    ("utf16-bom", J, b"\xff\xfe{\x00}\x00"),
    ("nul", J, _plausible(text='"a\\u0000b"')),
    ("wrong-types", J, _every_field('{"a": [1, {"b": null}]}')),
    ("bools", J, _every_field("true")),
    ("not-an-object", J, b"[1, 2, 3]"),
    ("truncated", J, b'{"channel": "chat", "lang": '),
    ("empty-object", J, b"{}"),
    ("empty", J, b""),
    # the same JSON under other content types: JSON-only endpoints must answer 415
    ("json-as-text-plain", "text/plain", _plausible()),
    ("json-as-form", "application/x-www-form-urlencoded", _plausible()),
    ("json-without-content-type", None, _plausible()),
    ("json-charset-param", "application/json; charset=utf-16", _plausible()),
]

BOUNDARY = "hostileBOUNDARY"
INNER = "innerBOUNDARY"
M = f"multipart/form-data; boundary={BOUNDARY}"


def _multipart(*parts: tuple[bytes, bytes], boundary: str = BOUNDARY, close: bool = True) -> bytes:
    out = b""
    for headers, body in parts:
        out += f"--{boundary}\r\n".encode() + headers + b"\r\n\r\n" + body + b"\r\n"
    return out + (f"--{boundary}--\r\n".encode() if close else b"")


def _field(name: str, value: bytes, extra: bytes = b"") -> tuple[bytes, bytes]:
    return (f'Content-Disposition: form-data; name="{name}"'.encode() + extra, value)


_NESTED = _multipart((f'Content-Disposition: form-data; name="request"\r\nContent-Type: multipart/mixed; '
                      f"boundary={INNER}".encode(),
                      _multipart(_field("description", b"inner"), boundary=INNER)),
                     _field("service_code", b"URBAN_MANAGEMENT"))

FORM_BODIES: list[tuple[str, str | None, bytes]] = [
    ("form-unknown-charset", "application/x-www-form-urlencoded; charset=x-no-such-charset",
     b"q=hello&description=a+pothole&service_code=URBAN_MANAGEMENT"),
    ("form-charset-utf7", "application/x-www-form-urlencoded; charset=utf-7", b"q=+2D8-&description=x"),
    ("form-encoded-surrogate", "application/x-www-form-urlencoded",
     b"q=%ED%A0%80&description=%ED%A0%80&service_code=URBAN_MANAGEMENT&api_key=%ED%A0%80"),
    ("form-invalid-utf8", "application/x-www-form-urlencoded", b"q=\xff\xfe&description=%FF%FE"),
    ("form-huge-int", "application/x-www-form-urlencoded", f"q={HUGE_INT}&lat={HUGE_INT}&long=1".encode()),
    ("form-binary", "application/x-www-form-urlencoded", bytes(range(256))),
    ("multipart-nested", M, _NESTED),
    ("multipart-nested-photo", M, _multipart((f'Content-Disposition: form-data; name="photo"; filename="a.jpg"'
                                              f"\r\nContent-Type: multipart/mixed; boundary={INNER}".encode(),
                                              _multipart(_field("x", b"y"), boundary=INNER)))),
    ("multipart-non-utf8", M, _multipart(_field("description", b"\xff\xfe\xfd"), _field("q", b"\xc3"))),
    ("multipart-encoded-surrogate", M, _multipart(_field("description", b"a \xed\xa0\x80 b"),
                                                  _field("request", b'{"description": "\\ud800"}'))),
    ("multipart-unknown-part-charset", M, _multipart(_field("description", b"abc",
                                                            b"\r\nContent-Type: text/plain; charset=x-nope"))),
    ("multipart-unknown-transfer-encoding", M, _multipart(_field("description", b"abc",
                                                                 b"\r\nContent-Transfer-Encoding: x-weird"))),
    ("multipart-base64-garbage", M, _multipart(_field("description", b"!!!not base64",
                                                      b"\r\nContent-Transfer-Encoding: base64"))),
    ("multipart-json-part-deep", M, _multipart(_field("request", b"[" * DEEP + b"]" * DEEP))),
    ("multipart-json-part-huge-int", M, _multipart(_field("request", _every_field(HUGE_INT)))),
    ("multipart-json-part-surrogate", M, _multipart(_field("request", _every_field('"\\udbff"')))),
    ("multipart-unterminated", M, _multipart(_field("description", b"abc"), close=False)[:-2]),
    ("multipart-no-boundary", "multipart/form-data", b"--x\r\n\r\n"),
    ("multipart-wrong-boundary", M, _multipart(_field("description", b"abc"), boundary="other")),
    ("multipart-header-no-disposition", M, _multipart((b"X-Thing: 1", b"abc"))),
    ("multipart-bad-disposition", M, _multipart((b'Content-Disposition: form-data; name="a\xff', b"abc"))),
]

BODIES = JSON_BODIES + FORM_BODIES

# path segments and query strings (already percent-encoded, as a client would send them)
SEGMENTS = ["x", "%ED%A0%80", "%FF%FE", "%00", "a" * 3000, "..%2F..%2Fetc%2Fpasswd", "%F0%9F%92%A9", "1" * 3000]
QUERIES = ["token=%ED%A0%80&session=%ED%A0%80&lang=%ED%A0%80&status=%FF",
           "limit=" + "9" * 4400 + "&page=-1", "since=" + "9" * 4400 + "&lang=" + "9" * 3000,
           "since=nan&until=inf&limit=1e999&after=%00",
           "q=%ED%A0%80&from=%FF&to=%ED%B0%80&kiosk=%ED%A0%80&format=%ED%A0%80"]

# raw header lines no client library writes: non-UTF-8, surrogate-escaped, oversize
RAW_AUTH = [b"Authorization: Bearer \xff\xfe\xfd", b"Authorization: Bearer \xed\xa0\x80",
            b"Authorization: \xc3", b"Authorization: Basic \xff"]
RAW_OTHER = [b"X-Api-Key: \xff\xfe", b"If-Match: \"\xff\"", b"Idempotency-Key: \xed\xa0\x80",
             b"Accept-Language: \xff", b"X-Forwarded-For: \xff", b"Cookie: a=\xff"]

# WebSocket frames (text unless bytes)
WS_COMMON: list[tuple[str, str | bytes]] = [
    ("deep", "[" * DEEP + "]" * DEEP),
    ("deep-object", '{"type":"msg","text":' + '{"a":' * DEEP + "1" + "}" * DEEP + "}"),
    ("deep-unclosed", "[" * 60_000),
    ("huge-int-top", HUGE_INT),
    ("huge-int-text", '{"type":"msg","client_id":"h","text":' + HUGE_INT + "}"),
    ("huge-int-client-id", '{"type":"msg","client_id":' + HUGE_INT + ',"text":"x"}'),
    ("huge-exponent", '{"type":"msg","client_id":"e","text":1e99999}'),
    ("nan", '{"type":"msg","client_id":"n","text":NaN}'),
    ("surrogate-text", '{"type":"msg","client_id":"s1","text":"hi \\ud800"}'),
    ("surrogate-client-id", '{"type":"msg","client_id":"\\udfff","text":"hi"}'),
    ("surrogate-type", '{"type":"\\ud800"}'),
    ("surrogate-key", '{"type":"msg","\\ud800":1,"client_id":"k","text":"hi"}'),
    ("surrogate-rtc", '{"type":"rtc","kind":"offer","sdp":"v=0 \\ud800","session":"\\ud800"}'),
    ("surrogate-card", '{"type":"card","card":{"name":"\\ud800"}}'),
    ("binary", b"\x00\x01\xff" * 10),
    ("binary-json", b'{"type":"ping"}'),
    ("wrong-types", '{"type":5}'),
    ("list", "[]"),
    ("string", '"msg"'),
    ("null", "null"),
    ("text-object", '{"type":"msg","client_id":"o","text":{"a":[1,2]}}'),
    ("text-list", '{"type":"msg","client_id":"l","text":["a"]}'),
    ("client-id-object", '{"type":"msg","client_id":{"a":1},"text":"x"}'),
    ("truncated", '{"type":"msg",'),
    ("empty", ""),
]
WS_SEAT: list[tuple[str, str | bytes]] = [
    ("set-state-surrogate", '{"type":"set_state","state":"\\ud800"}'),
    ("set-state-object", '{"type":"set_state","state":{"a":1}}'),
    ("accept-huge", '{"type":"accept","session":' + HUGE_INT + "}"),
    ("accept-surrogate", '{"type":"accept","session":"\\ud800"}'),
    ("msg-compose-lang", '{"type":"msg","session":"x","client_id":"c","text":"hi","compose_lang":"\\ud800"}'),
    ("invite-lang", '{"type":"invite","session":"\\ud800","lang":["en"]}'),
    ("end-list", '{"type":"end","session":[]}'),
]
