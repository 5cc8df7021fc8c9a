"""XML rendering of GeoReport v2 bodies (XML is the spec's required format).

Spec: https://wiki.open311.org/GeoReport_v2 ("Format Support" and each method's XML example).
Roots by ``kind``:

* ``services``: ``<services><service>...`` (from :func:`services.service_list`)
* ``service_definition``: ``<service_definition><service_code/><attributes><attribute>...
  <values><value><key/><name/></value></values></attribute></attributes>``
* ``service_requests``: ``<service_requests><request>...`` -- GET Service Requests,
  GET Service Request, the POST response and the token response all use this root.
* ``errors``: ``<errors><error><code/><description/></error></errors>`` (from ``to_body()``)

Text is escaped by ElementTree.  Characters XML 1.0 cannot carry (C0 controls, lone surrogates,
U+FFFE/U+FFFF) become U+FFFD, and CR/CRLF become LF, which is what any XML parser would
deliver anyway, so what is written is exactly what a client reads back.  ``None`` is an empty
element; booleans are ``true``/``false``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from miniapp_api.open311.fields import BAD_CHARS

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPE = "text/xml; charset=utf-8"
#: Root element -> element of each list item.
LIST_ROOTS: dict[str, str] = {"services": "service", "service_requests": "request", "errors": "error"}
#: Nested list fields -> element of each item.
ITEMS: dict[str, str] = {"attributes": "attribute", "values": "value"}
KINDS: tuple[str, ...] = (*LIST_ROOTS, "service_definition")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NEWLINES = re.compile(r"\r\n?")


def clean(text: str) -> str:
    """``text`` with line endings normalised and characters XML cannot carry replaced."""
    return BAD_CHARS.sub("\ufffd", _NEWLINES.sub("\n", text))


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return clean(str(value))
    raise TypeError(f"cannot render {type(value).__name__} as XML text")


def _element(name: str, value: Any) -> ET.Element:
    if not _NAME.fullmatch(name) or name.lower().startswith("xml"):
        raise ValueError(f"{name!r} is not a usable XML element name")
    element = ET.Element(name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            element.append(_element(str(key), item))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            element.append(_element(ITEMS.get(name, "item"), item))
    else:
        element.text = _scalar(value)
    return element


def to_xml(kind: str, data: Any) -> bytes:
    """``data`` (the JSON-ready structure for ``kind``) as a UTF-8 XML document."""
    if kind == "service_definition":
        root = _element(kind, data)
    elif kind in LIST_ROOTS:
        root = ET.Element(kind)
        for item in data:
            root.append(_element(LIST_ROOTS[kind], item))
    else:
        raise ValueError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
    return DECLARATION + ET.tostring(root, encoding="utf-8")
