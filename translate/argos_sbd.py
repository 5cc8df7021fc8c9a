"""Rule-based sentence splitting for Argos Translate, offline.

Argos 1.11 splits each paragraph into sentences before translating it.  By
default it asks MiniSBD, which loads ``<lang>.onnx`` from the package's
``minisbd/`` folder or else downloads it from the internet into its cache on
first use: impossible on an intranet.  This module makes a tiny ONNX graph that
MiniSBD runs like one of its own models, but that only applies fixed rules:

* a sentence ends after ``。！？!?`` (and the other strong terminators below);
* it ends after ``.`` only when a space, the end of the paragraph or a closing
  quote/bracket follows (so ``3.5``, ``www.example.com`` stay whole);
* a closing quote or bracket right after a terminator belongs to the sentence
  (``他说：“好。”`` is one sentence), and runs such as ``?!`` or ``...`` end once.

The same rules are available in pure Python (:func:`split_sentences`) for the
``stanza`` stand-in registered by :mod:`translate.argos_env`.

No ``onnx`` package is needed: the model is a few hundred bytes of protobuf,
written by the small encoder below (field numbers from onnx.proto, IR version 7,
opset 13).  MiniSBD's contract, read from its source: inputs ``units`` (int64,
[batch, time], character ids from the vocabulary stored in the model's metadata)
and ``features`` (float32, [batch, time, n_features]; we declare no feature
functions, so n_features is 0 and the input is unused); output float32 logits
[batch, time, classes] whose argmax is 0 (inside a token), 1 (end of token) or
2 (end of sentence).  Every character is its own token here, which is all Argos
needs: it only uses the sentence spans.
"""

from __future__ import annotations

import json
import struct

#: Version of the rules, stored in the model's metadata.
RULES_VERSION = "1"
PRODUCER = "hotline-gateway-rule-sbd"

STRONG_TERMINATORS = "。！？!?｡‼⁇⁈⁉؟।۔።"
DOT = "."
CLOSERS = "\"'”’」』）)】》〉]"

# Character classes, which are also the vocabulary ids MiniSBD feeds the model.
PAD, OTHER, SPACE, DOT_ID, STRONG, CLOSER = 0, 1, 2, 3, 4, 5

#: What MiniSBD reads from the model's metadata (see minisbd/inference.py).
SBD_CONFIG = {
    "skip_newline": False,
    "max_seqlen": 1000,
    "no_ssplit": False,
    "batch_size": 32,
    "feat_funcs": [],
    "use_dictionary": False,
    "num_dict_feat": 0,
}


def _vocab_state(lang: str) -> dict:
    unit2id: dict[str, int] = {"<PAD>": PAD, "<UNK>": OTHER, " ": SPACE, DOT: DOT_ID}
    unit2id.update({ch: STRONG for ch in STRONG_TERMINATORS})
    unit2id.update({ch: CLOSER for ch in CLOSERS})
    return {
        "lang": lang,
        "idx": 0,
        "cutoff": 0,
        "lower": False,
        "lang_replaces_spaces": False,
        "_unit2id": unit2id,
        "_id2unit": ["<PAD>", "<UNK>", " ", DOT, "<STRONG>", "<CLOSER>"],
    }


# --------------------------------------------------------------------------
# The rules in Python (used by the stanza stand-in, and to test the graph).
# --------------------------------------------------------------------------

def _char_class(ch: str) -> int:
    if ch.isspace():
        return SPACE
    if ch == DOT:
        return DOT_ID
    if ch in STRONG_TERMINATORS:
        return STRONG
    if ch in CLOSERS:
        return CLOSER
    return OTHER


def boundaries(text: str) -> list[int]:
    """Indexes of the characters that end a sentence (the ONNX graph's rule)."""
    cls = [_char_class(c) for c in text]
    ends = []
    for i, c in enumerate(cls):
        nxt = cls[i + 1] if i + 1 < len(cls) else PAD
        prv = cls[i - 1] if i > 0 else PAD
        candidate = (
            c == STRONG
            or (c == DOT_ID and nxt in (SPACE, PAD, CLOSER))
            or (c == CLOSER and prv in (STRONG, DOT_ID))
        )
        if candidate and nxt not in (STRONG, CLOSER, DOT_ID):
            ends.append(i)
    return ends


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences, without the whitespace between them."""
    out: list[str] = []
    start = 0
    for end in boundaries(text) + [len(text) - 1]:
        piece = text[start : end + 1].strip()
        if piece:
            out.append(piece)
        start = end + 1
    return out


# --------------------------------------------------------------------------
# A minimal protobuf writer for the few ONNX messages we need.
# --------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, 2) + _varint(len(value)) + value


_FLOAT, _INT64 = 1, 7  # TensorProto.DataType


def _tensor(name: str, dtype: int, dims: list[int], values: list) -> bytes:
    fmt = {_FLOAT: "f", _INT64: "q"}[dtype]
    raw = struct.pack("<%d%s" % (len(values), fmt), *values)
    return b"".join(_int(1, d) for d in dims) + _int(2, dtype) + _bytes(8, name) + _bytes(9, raw)


def _value_info(name: str, elem_type: int, dims: list[int | str]) -> bytes:
    shape = b"".join(
        _bytes(1, _bytes(2, d) if isinstance(d, str) else _int(1, d)) for d in dims
    )
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def _attr_int(name: str, value: int) -> bytes:
    return _bytes(1, name) + _int(20, 2) + _int(3, value)


def _node(op: str, inputs: list[str], outputs: list[str], name: str, attrs: list[bytes] = ()) -> bytes:
    body = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    body += _bytes(3, name) + _bytes(4, op) + b"".join(_bytes(5, a) for a in attrs)
    return body


def model_bytes(lang: str) -> bytes:
    """The serialized ONNX model for one language code (the rules are the same for all)."""
    inits = [
        _tensor("c_pad", _INT64, [], [PAD]),
        _tensor("c_space", _INT64, [], [SPACE]),
        _tensor("c_dot", _INT64, [], [DOT_ID]),
        _tensor("c_strong", _INT64, [], [STRONG]),
        _tensor("c_closer", _INT64, [], [CLOSER]),
        _tensor("s_0", _INT64, [1], [0]),
        _tensor("s_1", _INT64, [1], [1]),
        _tensor("s_m1", _INT64, [1], [-1]),
        _tensor("s_max", _INT64, [1], [2**62]),
        _tensor("axis_1", _INT64, [1], [1]),
        _tensor("axis_2", _INT64, [1], [2]),
        _tensor("f_1", _FLOAT, [], [1.0]),
        _tensor("f_0", _FLOAT, [], [0.0]),
    ]
    n = []

    def node(op: str, inputs: list[str], output: str, attrs: list[bytes] = ()) -> str:
        if output != "logits":
            output = f"t{len(n)}_{output}"  # unique names: the graph must be in SSA form
        n.append(_node(op, inputs, [output], f"n{len(n)}", attrs))
        return output

    u = "units"
    first = node("Slice", [u, "s_0", "s_1", "axis_1"], "first_col")
    zeros = node("Mul", [first, "c_pad"], "pad_col")  # c_pad is 0: a [batch, 1] column of PAD
    rest = node("Slice", [u, "s_1", "s_max", "axis_1"], "rest")
    nxt = node("Concat", [rest, zeros], "next_units", [_attr_int("axis", 1)])
    init = node("Slice", [u, "s_0", "s_m1", "axis_1"], "init")
    prv = node("Concat", [zeros, init], "prev_units", [_attr_int("axis", 1)])

    def eq(x: str, c: str) -> str:
        return node("Equal", [x, c], f"is_{c}")

    def either(a: str, b: str) -> str:
        return node("Or", [a, b], "or")

    def both(a: str, b: str) -> str:
        return node("And", [a, b], "and")

    dot_end = both(eq(u, "c_dot"), either(either(eq(nxt, "c_space"), eq(nxt, "c_pad")), eq(nxt, "c_closer")))
    closer_end = both(eq(u, "c_closer"), either(eq(prv, "c_strong"), eq(prv, "c_dot")))
    candidate = either(either(eq(u, "c_strong"), dot_end), closer_end)
    run_goes_on = either(either(eq(nxt, "c_strong"), eq(nxt, "c_closer")), eq(nxt, "c_dot"))
    boundary = both(candidate, node("Not", [run_goes_on], "run_ends"))
    b = node("Cast", [boundary], "boundary_f", [_attr_int("to", _FLOAT)])
    b3 = node("Unsqueeze", [b, "axis_2"], "boundary_3d")
    token_end = node("Sub", ["f_1", b3], "token_end")
    inside = node("Mul", [b3, "f_0"], "inside")
    node("Concat", [inside, token_end, b3], "logits", [_attr_int("axis", 2)])

    graph = b"".join(_bytes(1, x) for x in n)
    graph += _bytes(2, "rule_sbd")
    graph += b"".join(_bytes(5, t) for t in inits)
    graph += _bytes(11, _value_info("units", _INT64, ["batch", "time"]))
    graph += _bytes(11, _value_info("features", _FLOAT, ["batch", "time", "features"]))
    graph += _bytes(12, _value_info("logits", _FLOAT, ["batch", "time", 3]))

    meta = {
        "lang_code": lang,
        "config": json.dumps(SBD_CONFIG),
        "vocab": json.dumps(_vocab_state(lang), ensure_ascii=False),
        "lexicon": "null",
        "rules_version": RULES_VERSION,
    }
    model = _int(1, 7)  # ir_version
    model += _bytes(2, PRODUCER) + _bytes(3, RULES_VERSION)
    model += _bytes(7, graph)
    model += _bytes(8, _bytes(1, "") + _int(2, 13))  # opset_import: default domain, opset 13
    model += b"".join(_bytes(14, _bytes(1, k) + _bytes(2, v)) for k, v in meta.items())
    return model
