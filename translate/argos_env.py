"""Point Argos Translate at the gateway's data directory and make it work offline.

Call :func:`configure` before anything imports ``argostranslate``.  Argos reads its
settings when ``argostranslate.settings`` is first imported, and that import also
*creates* ``~/.local/share/argos-translate``, ``~/.config/argos-translate`` and
``~/.local/cache/argos-translate``: importing it unconfigured writes into the
user's home.  :func:`configure`

* sets ``ARGOS_PACKAGES_DIR`` to ``<data_dir>/argos/packages``, and
  ``ORT_DISABLE_TELEMETRY=1`` (onnxruntime's telemetry writes a device id under
  ``~/.cache/Microsoft`` when its library loads);
* imports ``argostranslate.settings`` with ``XDG_DATA_HOME``, ``XDG_CONFIG_HOME``
  and ``XDG_CACHE_HOME`` pointing under ``<data_dir>/argos`` for the duration of
  that import only (so the rest of the process, e.g. matplotlib, keeps its own
  XDG directories), and if Argos was already imported, re-points its module-level
  paths so a second ``configure`` with another directory (tests) takes effect;
* registers a stand-in ``stanza`` module when the real one is not installed (see
  :func:`_install_stanza_stub`);
* puts a rule-based MiniSBD sentence splitter for every language MiniSBD knows into
  Argos's MiniSBD cache (``<data_dir>/argos/share/argos-translate/minisbd``), unless
  a model of that name is already there.  Packages that ship their own
  ``minisbd/*.onnx`` keep using it; every other package, official Argos packages
  included, splits with the rules instead of downloading a model.  To use real
  MiniSBD models, copy them into that folder: existing files are never replaced.

``ARGOS_CHUNK_TYPE`` is left alone, except that ``NONE`` is replaced by the default:
with ``NONE`` Argos 1.11 raises ``NotImplementedError`` for every package and
silently skips them all, so nothing translates.

One data directory per process: Argos keeps its state in module globals.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from translate import argos_sbd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArgosPaths:
    root: Path
    packages: Path
    share: Path        # XDG_DATA_HOME during Argos's import
    config: Path       # XDG_CONFIG_HOME
    cache: Path        # XDG_CACHE_HOME
    replaced: Path     # package folders moved aside by an upgrade or a failed install

    @property
    def argos_data(self) -> Path:
        return self.share / "argos-translate"

    @property
    def minisbd_cache(self) -> Path:
        return self.argos_data / "minisbd"


_current: ArgosPaths | None = None


def paths_for(data_dir: Path) -> ArgosPaths:
    root = Path(data_dir).expanduser().resolve() / "argos"
    return ArgosPaths(root=root, packages=root / "packages", share=root / "share",
                      config=root / "config", cache=root / "cache", replaced=root / "replaced")


def current() -> ArgosPaths:
    if _current is None:
        raise RuntimeError("translate.argos_env.configure(data_dir) has not been called")
    return _current


def configure(data_dir: Path) -> ArgosPaths:
    """Make Argos use ``<data_dir>/argos`` for everything; safe to call again."""
    global _current
    paths = paths_for(data_dir)
    for p in (paths.packages, paths.share, paths.config, paths.cache, paths.minisbd_cache):
        p.mkdir(parents=True, exist_ok=True)

    os.environ["ARGOS_PACKAGES_DIR"] = str(paths.packages)
    # onnxruntime (which MiniSBD runs on) 1.2x+ starts a telemetry client when its
    # library loads: it writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,
    # onnxruntime.db} and queues events for upload.  This variable, read at import,
    # turns it off; it must be set before the first ``import onnxruntime``.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    if "onnxruntime" in sys.modules and _current is None:
        log.warning("onnxruntime was imported before translate.argos_env.configure(): "
                    "its telemetry may write under the home directory")
    chunk = os.environ.get("ARGOS_CHUNK_TYPE")
    if chunk is not None and chunk.strip().upper() == "NONE":
        log.warning("ARGOS_CHUNK_TYPE=NONE makes Argos 1.11 drop every package; using the default instead")
        os.environ["ARGOS_CHUNK_TYPE"] = "DEFAULT"

    _install_stanza_stub()
    place_sentence_splitters(paths.minisbd_cache)

    if "argostranslate.settings" not in sys.modules:
        with _env(XDG_DATA_HOME=str(paths.share), XDG_CONFIG_HOME=str(paths.config),
                  XDG_CACHE_HOME=str(paths.cache)):
            import argostranslate.settings  # noqa: F401  (creates its folders under paths.root)
    _point_argos_at(paths)
    _current = paths
    reset_caches()
    return paths


def reset_caches() -> None:
    """Forget Argos's installed-languages cache and its loaded translations.

    Needed after installing or removing a package, and between tests.  Both caches
    live in ``argostranslate.translate``: the ``lru_cache`` of
    ``get_installed_languages`` and the module-level ``installed_translates`` list
    (which keeps the loaded CTranslate2 models).
    """
    tr = sys.modules.get("argostranslate.translate")
    if tr is None:
        return
    tr.get_installed_languages.cache_clear()
    tr.installed_translates.clear()


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _point_argos_at(paths: ArgosPaths) -> None:
    """Re-point Argos's module-level paths (they were computed at its import)."""
    settings = sys.modules["argostranslate.settings"]
    data = paths.argos_data
    config = paths.config / "argos-translate"
    cache = paths.cache / "argos-translate"
    for p in (data, config, cache / "downloads"):
        p.mkdir(parents=True, exist_ok=True)
    settings.home_dir = paths.root
    settings.data_dir = data
    settings.legacy_package_data_dir = data / "packages"
    settings.config_dir = config
    settings.cache_dir = cache
    settings.downloads_dir = cache / "downloads"
    settings.settings_file = config / "settings.json"
    settings.local_package_index = data / "index.json"
    settings.package_data_dir = paths.packages
    settings.package_dirs = [paths.packages]
    chunk = os.environ.get("ARGOS_CHUNK_TYPE", "DEFAULT").strip().upper()
    chosen = settings.chunk_type_mapping.get(chunk, settings.ChunkType.DEFAULT)
    if chosen in (settings.ChunkType.DEFAULT, settings.ChunkType.NONE):
        chosen = settings.ChunkType.ARGOSTRANSLATE
    settings.chunk_type = chosen

    # MiniSBD's cache folder: argostranslate.sbd sets it at import; set it here too
    # (before or after that import) so both agree with this data directory.
    import minisbd.models

    minisbd.models.cache_dir = str(paths.minisbd_cache)


def place_sentence_splitters(folder: Path) -> list[str]:
    """Write the rule-based model as ``<lang>.onnx`` for every MiniSBD language.

    MiniSBD looks for ``<cache>/<name>.onnx`` before downloading; languages it does
    not know fall back to ``en`` inside Argos.  Existing files are left as they are.
    Returns the names written.
    """
    import minisbd.models  # only a dictionary of names and a default path: no I/O

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, filename in sorted(minisbd.models.MODELS.items()):
        target = folder / filename
        if target.exists():
            continue
        tmp = target.with_name(f".{filename}.{os.getpid()}.tmp")
        tmp.write_bytes(argos_sbd.model_bytes(name))
        os.replace(tmp, target)
        written.append(name)
    return written


# --------------------------------------------------------------------------
# The stanza stand-in
# --------------------------------------------------------------------------

class _Sentence:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Document:
    def __init__(self, text: str) -> None:
        self.text = text
        self.sentences = [_Sentence(s) for s in argos_sbd.split_sentences(text)]


class _RulePipeline:
    """Takes stanza.Pipeline's arguments and splits with the rules of argos_sbd."""

    def __init__(self, lang: str = "en", dir: str | None = None, processors: str = "tokenize",
                 use_gpu: bool = False, logging_level: str = "WARNING", **_: object) -> None:
        self.lang = lang

    def __call__(self, text: str) -> _Document:
        return _Document(text)


def _install_stanza_stub() -> None:
    """Register a minimal ``stanza`` module when the real one is not installed.

    Why: ``argostranslate/sbd.py`` does ``import stanza`` unconditionally at module
    level, and ``argostranslate.translate`` imports ``sbd``; the light install (no
    stanza, which would drag in torch, ~1.5 GB) therefore cannot import Argos at all.
    Argos only touches stanza in ``StanzaSentencizer``, which it picks for packages
    that ship a ``stanza/`` folder (older official packages).  The stand-in's
    ``Pipeline`` splits sentences with the same rules as the ONNX splitter, so those
    packages work too, offline.  If real stanza is installed it is used instead.
    """
    if "stanza" in sys.modules or importlib.util.find_spec("stanza") is not None:
        return
    stub = types.ModuleType("stanza")
    stub.__doc__ = "Stand-in registered by translate.argos_env: rule-based sentence splitting only."
    stub.__version__ = "0+hotline-stub"
    stub.Pipeline = _RulePipeline  # type: ignore[attr-defined]
    stub.HOTLINE_STUB = True  # type: ignore[attr-defined]
    sys.modules["stanza"] = stub
