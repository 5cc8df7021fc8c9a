"""Installing and listing Argos ``.argosmodel`` packages, refusing broken ones.

``argostranslate.package.install_from_path`` only checks that the file is a zip and
extracts it into the packages folder.  A zip with loose files, a folder without
``metadata.json`` or a damaged model would be extracted as well, and Argos then
fails on *every* translation (``get_installed_packages`` raises on a folder without
metadata).  So each archive is checked first (:func:`inspect_archive`), installed
through Argos, then loaded once (metadata, tokenizer file, CTranslate2 model); a
package that fails any step is removed again and the previous state restored.

All functions here expect :func:`translate.argos_env.configure` to have run.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gateway.errors import GatewayError
from translate import argos_env

log = logging.getLogger(__name__)

#: Refuse archives that unpack to more than this (official packages are ~100–300 MB).
MAX_UNPACKED_BYTES = 4 * 1024**3
_FOLDER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
_CODE_RE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")
PIVOT = "en"

_install_lock = threading.Lock()


class InvalidPackage(GatewayError):
    code = "invalid_package"
    status = 422


@dataclass(frozen=True)
class PackageInfo:
    from_code: str
    to_code: str
    from_name: str
    to_name: str
    package_version: str
    argos_version: str
    folder: str
    path: Path          # the archive (inspect_archive) or the installed folder

    def to_dict(self) -> dict:
        return {"from": self.from_code, "to": self.to_code, "from_name": self.from_name,
                "to_name": self.to_name, "version": self.package_version,
                "argos_version": self.argos_version, "folder": self.folder, "path": str(self.path)}


def _metadata_info(meta: object, folder: str, path: Path, where: str) -> PackageInfo:
    if not isinstance(meta, dict):
        raise InvalidPackage(f"{where}: metadata.json must hold a JSON object")
    kind = meta.get("type", "translate")
    if kind != "translate":
        raise InvalidPackage(f"{where}: package type {kind!r} is not supported, only 'translate'")
    codes = []
    for key in ("from_code", "to_code"):
        value = meta.get(key)
        if not isinstance(value, str) or not _CODE_RE.match(value):
            raise InvalidPackage(f"{where}: metadata.json needs {key} as a language code such as 'en', not {value!r}")
        codes.append(value)
    if codes[0] == codes[1]:
        raise InvalidPackage(f"{where}: from_code and to_code are both {codes[0]!r}")
    text = lambda k: str(meta.get(k) or "")  # noqa: E731
    return PackageInfo(codes[0], codes[1], text("from_name") or codes[0], text("to_name") or codes[1],
                       text("package_version"), text("argos_version"), folder, path)


def inspect_archive(path: Path) -> PackageInfo:
    """Check an ``.argosmodel`` file without installing it; raise InvalidPackage if unusable."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InvalidPackage(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise InvalidPackage(f"{name}: not an Argos package (an .argosmodel file is a zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            tops = set()
            for n in names:
                p = PurePosixPath(n)
                if p.is_absolute() or ".." in p.parts or "\\" in n or not p.parts:
                    raise InvalidPackage(f"{name}: unsafe path {n!r} in the archive")
                tops.add(p.parts[0])
            if len(tops) != 1 or any(PurePosixPath(n).parts == (next(iter(tops)),) and not n.endswith("/") for n in names):
                raise InvalidPackage(f"{name}: the archive must hold exactly one folder, found {sorted(tops)[:5]}")
            folder = tops.pop()
            if not _FOLDER_RE.match(folder):
                raise InvalidPackage(f"{name}: unusable folder name {folder!r}")
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise InvalidPackage(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GiB")
            present = set(names)
            if f"{folder}/metadata.json" not in present:
                raise InvalidPackage(f"{name}: no metadata.json in {folder}/")
            if f"{folder}/model/model.bin" not in present:
                raise InvalidPackage(f"{name}: no CTranslate2 model ({folder}/model/model.bin)")
            if f"{folder}/sentencepiece.model" not in present and f"{folder}/bpe.model" not in present:
                raise InvalidPackage(f"{name}: no tokenizer ({folder}/sentencepiece.model or bpe.model)")
            try:
                meta = json.loads(zf.read(f"{folder}/metadata.json").decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise InvalidPackage(f"{name}: metadata.json is not valid JSON ({e})") from None
            bad = zf.testzip()
            if bad is not None:
                raise InvalidPackage(f"{name}: damaged archive (bad CRC in {bad})")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise InvalidPackage(f"{name}: damaged archive ({e})") from None
    return _metadata_info(meta, folder, path, name)


def _read_installed(folder: Path) -> PackageInfo:
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    return _metadata_info(meta, folder.name, folder, folder.name)


def installed_packages() -> list[PackageInfo]:
    """Translate packages in the packages folder, read from their metadata only."""
    out = []
    packages = argos_env.current().packages
    for folder in sorted(p for p in packages.iterdir() if p.is_dir()):
        try:
            out.append(_read_installed(folder))
        except (OSError, ValueError, InvalidPackage) as e:
            log.warning("ignoring package folder %s: %s", folder, e)
    return out


def quarantine_broken() -> list[str]:
    """Move aside folders that would make Argos fail on every translation.

    Argos's ``get_installed_packages`` raises on any folder without a
    ``metadata.json``; one stray folder would take every language pair down.
    """
    paths = argos_env.current()
    moved = []
    for folder in sorted(paths.packages.iterdir()):
        if folder.is_dir() and not (folder / "metadata.json").is_file():
            _move_aside(folder, "broken")
            moved.append(folder.name)
            log.warning("moved package folder without metadata.json out of the way: %s", folder.name)
    return moved


def _move_aside(folder: Path, why: str) -> Path:
    replaced = argos_env.current().replaced
    replaced.mkdir(parents=True, exist_ok=True)
    target = replaced / f"{folder.name}.{why}.{time.strftime('%Y%m%dT%H%M%S')}.{time.monotonic_ns() % 10**9}"
    shutil.move(str(folder), str(target))
    return target


def _verify_installed(folder: Path, expected: PackageInfo) -> PackageInfo:
    """Load what Argos will load: metadata, tokenizer and the CTranslate2 model."""
    import ctranslate2
    from argostranslate.package import Package

    try:
        pkg = Package(folder)
    except Exception as e:  # noqa: BLE001 - Argos raises bare exceptions
        raise InvalidPackage(f"{expected.path.name}: Argos cannot read the package ({e})") from None
    if getattr(pkg, "tokenizer", None) is None:
        raise InvalidPackage(f"{expected.path.name}: no tokenizer after installation")
    try:
        ctranslate2.Translator(str(folder / "model"), device="cpu", compute_type="auto", intra_threads=1)
    except Exception as e:  # noqa: BLE001 - ctranslate2 raises RuntimeError/ValueError/...
        raise InvalidPackage(f"{expected.path.name}: the CTranslate2 model does not load ({e})") from None
    if hasattr(pkg.tokenizer, "lazy_processor"):
        try:
            pkg.tokenizer.lazy_processor()
        except Exception as e:  # noqa: BLE001
            raise InvalidPackage(f"{expected.path.name}: the SentencePiece model does not load ({e})") from None
    return _read_installed(folder)


def install_archives(paths: list[Path]) -> list[dict]:
    """Install packages through Argos; all archives are checked before any is installed.

    A package for a pair that is already installed replaces it.  On any failure the
    package being installed is removed, what it replaced is put back, and
    InvalidPackage is raised; packages installed before keep working.
    """
    from argostranslate import package as argos_package

    infos = [inspect_archive(Path(p)) for p in paths]
    settings_packages = argos_env.current().packages
    results = []
    with _install_lock:
        quarantine_broken()
        for info in infos:
            target = settings_packages / info.folder
            backup = _move_aside(target, "previous") if target.exists() else None
            try:
                try:
                    argos_package.install_from_path(info.path)
                except Exception as e:  # noqa: BLE001 - Argos raises bare Exception
                    raise InvalidPackage(f"{info.path.name}: Argos could not install it ({e})") from None
                installed = _verify_installed(target, info)
            except BaseException:
                if target.exists():
                    shutil.rmtree(target, ignore_errors=True)
                if backup is not None:
                    shutil.move(str(backup), str(target))
                argos_env.reset_caches()
                raise
            if backup is not None:
                shutil.rmtree(backup, ignore_errors=True)
            # One package per pair: older packages for the same pair step aside.
            for other in installed_packages():
                if other.folder != info.folder and (other.from_code, other.to_code) == (info.from_code, info.to_code):
                    _move_aside(other.path, "replaced")
                    log.info("package %s replaced by %s", other.folder, info.folder)
            argos_env.reset_caches()
            results.append(installed.to_dict())
    return results


def compute_pairs(packages: list[tuple[str, str]]) -> list[dict]:
    """Direct pairs and pivots through English for the given (from, to) packages."""
    direct = set(packages)
    out = {(a, b): None for a, b in direct}
    for a, mid in direct:
        if mid != PIVOT:
            continue
        for mid2, b in direct:
            if mid2 == PIVOT and b != a and (a, b) not in out:
                out[(a, b)] = PIVOT
    return [{"from": a, "to": b, "via": via} for (a, b), via in sorted(out.items())]


def format_pairs(pairs: list[dict]) -> str:
    if not pairs:
        return "none (install packages with: hotline-gateway models install PATH...)"
    return ", ".join(f"{p['from']}→{p['to']}" + (f" (via {p['via']})" if p["via"] else "") for p in pairs)
