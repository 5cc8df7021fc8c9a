"""On-device machine translation with Argos Translate: batched, cached, off the event loop.

:class:`ArgosEngine` keeps the CTranslate2 models loaded and runs every model call in
one worker thread.  Requests that arrive while the worker is busy (or within
``batch_wait_ms`` of each other; 0 by default, so a lone request never waits) are
taken together, up to ``max_batch``: the sentences of
all requests for one language pair go to CTranslate2 in a single ``translate_batch``
call per hop.  Results are the same as ``argostranslate.translate.translate()``: the
engine uses Argos's own package objects (sentence splitter, tokenizer, translator,
target prefix) and Argos's decoding settings, and reassembles paragraphs as Argos does.

Pairs are the installed packages plus pivots through English (``ja→en`` + ``en→zh``
gives ``ja→zh``, route ``["ja", "en", "zh"]``).  Argos's own pivot search may chain
through any language; the engine pins the pivot to English.

Optional collaborators (duck-typed, all synchronous):

* ``memory.lookup(text, source, target) -> str | None``: an exact translation-memory
  hit is returned without machine translation (``from_memory=True``);
* glossary terms: the whole sentence is translated first, with its context.  If the
  output already uses every glossary translation, it stands.  Otherwise the text is
  cut at the terms, the terms take their fixed translations and only the pieces
  between them go to the model, so a place name can never be mistranslated.
* ``glossary.segments(text, source, target) -> list[tuple[str, str | None]]``:
  pieces of the text; a piece with a fixed translation is never sent to the model;
* ``quality.check(source_text, output_text, source, target) -> list[str]``: flags
  kept on the result (``text`` stays the MT output; callers decide what to show).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
import queue
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import GatewayError, InvalidField, PayloadTooLarge
from translate import argos_env, packages
from translate.packages import InvalidPackage, PackageInfo  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

#: Targets written without spaces between words: glossary pieces join with "".
NO_SPACE_TARGETS = frozenset({"zh", "zt", "ja", "th"})
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]}»”’、。，！？；：）])")
_SPACE_AFTER = re.compile(r"([(\[{«“‘（])\s+")
_SPACES = re.compile(r"[ \t]+")


class UnsupportedPair(GatewayError):
    code = "unsupported_pair"
    status = 400


class EngineClosed(GatewayError):
    code = "translation_unavailable"
    status = 503


@dataclass
class Translation:
    text: str
    source: str
    target: str
    route: list[str]
    cached: bool = False
    from_memory: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """What one request needs: pieces, which of them go to the model, and how to join."""
    text: str
    source: str
    target: str
    route: tuple[str, ...]
    pieces: list[tuple[str, str | None]]   # (source piece, fixed output or None)
    mt_index: list[int]                    # indexes of pieces sent to the model


def _has_terms(plan: _Plan) -> bool:
    return any(fixed is not None for _p, fixed in plan.pieces)


def _terms_kept(plan: _Plan, output: str) -> bool:
    """Did the model, given the whole sentence, already use every glossary translation?"""
    out = output.casefold()
    return all(fixed.casefold() in out for _p, fixed in plan.pieces if fixed is not None)


def _whole(plan: _Plan) -> _Plan:
    return _Plan(plan.text, plan.source, plan.target, plan.route, [(plan.text, None)], [0])


@dataclass
class _Request:
    route: tuple[str, ...]
    text: str
    future: cf.Future


_STOP = object()


class ArgosEngine:
    def __init__(self, data_dir: Path, *, cache_size: int = 4096, max_batch: int = 16, batch_wait_ms: float = 0.0,
                 max_chars: int = 5000, glossary: Any = None, memory: Any = None, quality: Any = None) -> None:
        if max_batch < 1 or cache_size < 0 or batch_wait_ms < 0 or max_chars < 1:
            raise ValueError("max_batch and max_chars must be >= 1; cache_size and batch_wait_ms >= 0")
        self.paths = argos_env.configure(Path(data_dir))
        self.cache_size = cache_size
        self.max_batch = max_batch
        self.batch_wait = batch_wait_ms / 1000.0
        self.max_chars = max_chars
        self.glossary = glossary
        self.memory = memory
        self.quality = quality
        #: Counters: model_calls is the number of CTranslate2 translate_batch calls.
        self.stats = {"model_calls": 0, "batches": 0, "requests": 0, "cache_hits": 0, "memory_hits": 0}
        self._cache: OrderedDict[tuple[str, str, str], tuple[str, tuple[str, ...], tuple[str, ...]]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._model_lock = threading.RLock()    # held by the worker per batch and by install()
        self._hops: dict[tuple[str, str], Any] = {}
        self._routes: dict[tuple[str, str], tuple[str, ...]] = {}
        self._closed = False
        self._submit_lock = threading.Lock()    # orders submissions before the stop marker
        packages.quarantine_broken()
        self._load_pairs()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._run, name="argos-engine", daemon=True)
        self._worker.start()

    # ------------------------------------------------------------------ packages

    def install(self, paths: list[Path]) -> list[dict]:
        """Install ``.argosmodel`` files; InvalidPackage (nothing changed) if any is unusable."""
        self._check_open()
        with self._model_lock:
            try:
                return packages.install_archives([Path(p) for p in paths])
            finally:
                self.clear_cache()
                self._load_pairs()

    def _load_pairs(self) -> None:
        from argostranslate import translate as argos_translate

        argos_env.reset_caches()
        hops: dict[tuple[str, str], Any] = {}
        for language in argos_translate.get_installed_languages():
            for t in language.translations_from:
                if isinstance(t, argos_translate.CachedTranslation) and isinstance(
                        t.underlying, argos_translate.PackageTranslation):
                    hops.setdefault((t.from_lang.code, t.to_lang.code), t.underlying)
        routes = {}
        for p in packages.compute_pairs(list(hops)):
            routes[(p["from"], p["to"])] = (p["from"], p["to"]) if p["via"] is None else (p["from"], p["via"], p["to"])
        self._hops, self._routes = hops, routes

    def pairs(self) -> list[dict]:
        return [{"from": r[0], "to": r[-1], "via": r[1] if len(r) == 3 else None}
                for _, r in sorted(self._routes.items())]

    def has_pair(self, source: str, target: str) -> bool:
        return source == target or (source, target) in self._routes

    def route(self, source: str, target: str) -> list[str]:
        if source == target:
            return [source]
        r = self._routes.get((source, target))
        if r is None:
            raise UnsupportedPair(
                f"no translation from {source!r} to {target!r} is installed; available: "
                f"{packages.format_pairs(self.pairs())}")
        return list(r)

    # ------------------------------------------------------------------ translating

    async def translate(self, text: str, source: str, target: str) -> Translation:
        plan = self._prepare(text, source, target)
        if isinstance(plan, Translation):
            return plan
        if _has_terms(plan):
            whole = await asyncio.wrap_future(self._submit(plan.route, plan.text))
            if _terms_kept(plan, whole):
                return self._finish(_whole(plan), [whole])
        futures = [asyncio.wrap_future(self._submit(plan.route, plan.pieces[i][0])) for i in plan.mt_index]
        outputs = await asyncio.gather(*futures)
        return self._finish(plan, outputs)

    async def translate_many(self, texts: list[str], source: str, target: str) -> list[Translation]:
        return list(await asyncio.gather(*(self.translate(t, source, target) for t in texts)))

    def translate_sync(self, text: str, source: str, target: str) -> Translation:
        plan = self._prepare(text, source, target)
        if isinstance(plan, Translation):
            return plan
        inside = threading.current_thread() is self._worker   # called from a hook inside a batch
        if _has_terms(plan):
            whole = (self._mt_batch(plan.route, [plan.text])[0] if inside
                     else self._submit(plan.route, plan.text).result())
            if _terms_kept(plan, whole):
                return self._finish(_whole(plan), [whole])
        mt_texts = [plan.pieces[i][0] for i in plan.mt_index]
        if inside:
            outputs = self._mt_batch(plan.route, mt_texts)
        else:
            outputs = [f.result() for f in [self._submit(plan.route, t) for t in mt_texts]]
        return self._finish(plan, outputs)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def close(self) -> None:
        with self._submit_lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        if threading.current_thread() is not self._worker:
            self._worker.join(timeout=30)

    def __enter__(self) -> "ArgosEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ steps

    def _check_open(self) -> None:
        if self._closed:
            raise EngineClosed("the translation engine has been shut down")

    def _prepare(self, text: str, source: str, target: str) -> Translation | _Plan:
        self._check_open()
        if not isinstance(text, str) or not text.strip():
            raise InvalidField("text to translate must not be empty")
        if len(text) > self.max_chars:
            raise PayloadTooLarge(f"text to translate is {len(text)} characters; the limit is {self.max_chars}")
        for name, code in (("source", source), ("target", target)):
            if not isinstance(code, str) or not code:
                raise InvalidField(f"{name} language code must be a non-empty string")
        self.stats["requests"] += 1
        if source == target:
            return Translation(text, source, target, [source])
        if self.memory is not None:
            hit = self.memory.lookup(text, source, target)
            if hit is not None:
                self.stats["memory_hits"] += 1
                return Translation(hit, source, target, [source, target], from_memory=True)
        route = tuple(self.route(source, target))
        key = (source, target, text)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            self.stats["cache_hits"] += 1
            out, croute, flags = cached
            return Translation(out, source, target, list(croute), cached=True, flags=list(flags))
        if self.glossary is not None:
            pieces = [(str(p), None if fixed is None else str(fixed))
                      for p, fixed in self.glossary.segments(text, source, target)]
        else:
            pieces = [(text, None)]
        # Pieces without any letter (numbers, punctuation, emoji) are kept as they are.
        mt_index = [i for i, (p, fixed) in enumerate(pieces) if fixed is None and any(c.isalpha() for c in p)]
        return _Plan(text, source, target, route, pieces, mt_index)

    def _finish(self, plan: _Plan, outputs: list[str]) -> Translation:
        by_index = dict(zip(plan.mt_index, outputs))
        parts = [by_index.get(i, fixed if fixed is not None else piece)
                 for i, (piece, fixed) in enumerate(plan.pieces)]
        text = parts[0] if len(parts) == 1 else _join(parts, plan.target)
        flags: list[str] = []
        if self.quality is not None and plan.mt_index:
            flags = list(self.quality.check(plan.text, text, plan.source, plan.target) or [])
        if self.cache_size:
            with self._cache_lock:
                self._cache[(plan.source, plan.target, plan.text)] = (text, plan.route, tuple(flags))
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return Translation(text, plan.source, plan.target, list(plan.route), flags=flags)

    def _submit(self, route: tuple[str, ...], text: str) -> cf.Future:
        fut: cf.Future = cf.Future()
        with self._submit_lock:
            self._check_open()
            self._queue.put(_Request(route, text, fut))
        return fut

    # ------------------------------------------------------------------ the worker thread

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.max_batch:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._process(batch)
        # Fail whatever is still queued.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP and item.future.set_running_or_notify_cancel():
                item.future.set_exception(EngineClosed("the translation engine has been shut down"))

    def _process(self, batch: list[_Request]) -> None:
        groups: dict[tuple[str, ...], list[_Request]] = {}
        for req in batch:
            if req.future.set_running_or_notify_cancel():   # False: the caller gave up
                groups.setdefault(req.route, []).append(req)
        for route, reqs in groups.items():
            self.stats["batches"] += 1
            try:
                outputs = self._mt_batch(route, [r.text for r in reqs])
            except BaseException as e:  # noqa: BLE001 - handed to the callers
                log.exception("translation batch %s failed", "→".join(route))
                err = e if isinstance(e, GatewayError) else GatewayError(
                    f"translation failed: {e}", code="translation_failed", status=500)
                for r in reqs:
                    r.future.set_exception(err)
                continue
            for r, out in zip(reqs, outputs):
                r.future.set_result(out)

    def _mt_batch(self, route: tuple[str, ...], texts: list[str]) -> list[str]:
        """Translate texts along the route: one model call per hop for all of them."""
        with self._model_lock:
            current = list(texts)
            for a, b in zip(route, route[1:]):
                hop = self._hops.get((a, b))
                if hop is None:
                    raise UnsupportedPair(f"no package for {a}→{b} any more")
                unique = list(dict.fromkeys(current))
                translated = dict(zip(unique, self._run_hop(hop, unique)))
                current = [translated[t] for t in current]
            return current

    def _translator(self, hop: Any) -> Any:
        """The hop's CTranslate2 translator, created exactly as Argos creates it, and shared with it."""
        if hop.translator is None:
            import ctranslate2
            from argostranslate import settings

            hop.translator = ctranslate2.Translator(
                str(hop.pkg.package_path / "model"), device=settings.device,
                inter_threads=settings.inter_threads, intra_threads=settings.intra_threads,
                compute_type=settings.compute_type)
        return hop.translator

    def _run_hop(self, hop: Any, texts: list[str]) -> list[str]:
        """Argos's ``apply_packaged_translation`` for many texts at once (one hypothesis)."""
        from argostranslate import settings

        pkg = hop.pkg
        translator = self._translator(hop)
        tokens: list[list[str]] = []
        layout: list[list[tuple[int, int]]] = []   # per text, per paragraph: sentence span in tokens
        for text in texts:
            paragraphs = []
            for paragraph in text.split("\n"):
                start = len(tokens)
                tokens.extend(pkg.tokenizer.encode(s) for s in hop.sentencizer.split_sentences(paragraph))
                paragraphs.append((start, len(tokens)))
            layout.append(paragraphs)
        results: list[Any] = []
        if tokens:
            prefix = [[pkg.target_prefix]] * len(tokens) if pkg.target_prefix != "" else None
            results = translator.translate_batch(
                tokens, target_prefix=prefix, replace_unknowns=True, max_batch_size=settings.batch_size,
                batch_type="tokens", beam_size=max(1, settings.beam_size), num_hypotheses=1,
                length_penalty=0.2, return_scores=True)
            self.stats["model_calls"] += 1
        outputs = []
        for paragraphs in layout:
            values = []
            for start, end in paragraphs:
                toks = [t for r in results[start:end] for t in r.hypotheses[0]]
                value = pkg.tokenizer.decode(toks)
                if pkg.target_prefix != "" and value.startswith(pkg.target_prefix):
                    value = value[len(pkg.target_prefix):]
                if value.startswith(" "):
                    value = value[1:]
                values.append(value.lstrip("\n"))
            outputs.append("\n".join(values).lstrip("\n"))
        return outputs


def _join(parts: list[str], target: str) -> str:
    if target in NO_SPACE_TARGETS:
        return "".join(p.strip() for p in parts)
    text = " ".join(p.strip() for p in parts if p.strip())
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACE_AFTER.sub(r"\1", text).strip()


# ---------------------------------------------------------------------- CLI helpers

def install_from_paths(data_dir: Path, paths: list[Path]) -> list[dict]:
    """``hotline-gateway models install PATH...``: check and install packages; no model stays loaded."""
    argos_env.configure(Path(data_dir))
    return packages.install_archives([Path(p) for p in paths])


def list_pairs(data_dir: Path) -> list[dict]:
    """``hotline-gateway models list``: installed pairs and English pivots, from metadata only."""
    argos_env.configure(Path(data_dir))
    return packages.compute_pairs([(p.from_code, p.to_code) for p in packages.installed_packages()])
