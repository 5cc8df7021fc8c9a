"""Service-definition attributes in a POST Service Request form.

GeoReport v2, "POST Service Request", argument ``attribute``: one form field per attribute,
``attribute[CODE]=value``; for a ``multivaluelist`` the field repeats as ``attribute[CODE][]``.
Both spellings are accepted for every attribute (a lone ``attribute[CODE][]`` for a
``singlevaluelist`` is one value).  Values are checked against the attribute's ``datatype``
(GeoReport v2 "GET Service Definition": string, number, datetime, text, singlevaluelist,
multivaluelist); list keys match case-insensitively and come back in the definition's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from miniapp_api.open311 import fields
from miniapp_api.open311.errors import shown

ATTRIBUTE_KEY = re.compile(r"attribute\[([^\[\]]{1,100})\](\[\])?")
MAX_STRING = 500
MAX_TEXT = 4000

AttributeValue = str | list[str]


def raw_attributes(form: Mapping[str, Sequence[object]]) -> tuple[dict[str, list[str]], list[str]]:
    """``{code: [values...]}`` from the ``attribute[...]`` fields, blanks dropped, and errors."""
    found: dict[str, list[str]] = {}
    errors: list[str] = []
    for key, values in form.items():
        match = ATTRIBUTE_KEY.fullmatch(key)
        if match is None:
            continue
        code = match.group(1)
        bucket = found.setdefault(code, [])
        for value in values:
            if not isinstance(value, str):
                errors.append(f"attribute[{code[:40]}] must be text")
            elif value.strip():
                bucket.append(value.strip())
    return found, errors


def _list_keys(spec: Mapping[str, Any], label: str, values: list[str]) -> list[str]:
    keys = {str(v["key"]).casefold(): str(v["key"]) for v in spec.get("values") or []}
    unknown = [v for v in values if v.casefold() not in keys]
    if unknown:
        raise fields.FieldError(f"{label} {shown(unknown[0])} is not one of: "
                                + ", ".join(keys.values()))
    return list(dict.fromkeys(keys[v.casefold()] for v in values))


def _one(label: str, values: list[str]) -> str:
    if len(values) > 1:
        raise fields.FieldError(f"{label} takes one value")
    return values[0]


def check_value(spec: Mapping[str, Any], values: list[str]) -> AttributeValue:
    """The normalised value of one attribute, or :class:`fields.FieldError`."""
    label = f"attribute[{spec['code']}]"
    datatype = spec.get("datatype")
    if datatype == "multivaluelist":
        return _list_keys(spec, label, values)
    value = _one(label, values)
    if datatype == "singlevaluelist":
        return _list_keys(spec, label, [value])[0]
    if datatype == "number":
        return repr(fields.number(label, value))
    if datatype == "datetime":
        return fields.w3c_datetime(label, value).isoformat()
    limit = MAX_TEXT if datatype == "text" else MAX_STRING
    return fields.text(label, value, limit) or ""


def validate_attributes(definition: Sequence[Mapping[str, Any]],
                        form: Mapping[str, Sequence[object]]) -> tuple[dict[str, AttributeValue], list[str]]:
    """Check the form's ``attribute[...]`` fields against a definition's ``attributes`` list.

    Returns the values by attribute code (``list[str]`` for multivaluelist, else ``str``) and
    the error descriptions: undefined codes, missing required attributes and bad values.
    Attributes with ``variable`` false are informational (spec) and take no value.
    """
    raw, errors = raw_attributes(form)
    specs = {str(s["code"]): s for s in definition if s.get("variable", True)}
    errors.extend(f"attribute[{code[:40]}] is not defined for this service"
                  for code in raw if code not in specs)
    values: dict[str, AttributeValue] = {}
    for code, spec in sorted(specs.items(), key=lambda item: item[1].get("order", 0)):
        given = raw.get(code) or []
        if not given:
            if spec.get("required"):
                errors.append(f"attribute[{code}] is required")
            continue
        try:
            values[code] = check_value(spec, given)
        except fields.FieldError as exc:
            errors.append(str(exc))
    return values, errors
