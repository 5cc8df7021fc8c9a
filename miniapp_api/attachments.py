"""Photo attachments from the mini-program: sniff, refuse bombs, strip metadata, store durably.

Residents attach photos through the Open311 GeoReport v2 ``media`` field or the native JSON API.
Every upload is hostile until proven otherwise.  Decisions:

* **Type from bytes only.**  :func:`sniff` reads magic numbers; client headers and file names are
  ignored.  Pillow may then try only the matching plugin (``Image.open(formats=...)``), and the
  format it reports must agree, so a file cannot steer us into another decoder.
* **Pixels are counted before anything is decoded.**  A 100-byte PNG can declare 60000x60000
  pixels and make the decoder allocate gigabytes.  Pillow's ``open`` reads only headers for JPEG,
  PNG and GIF, so ``width * height`` (times frames for GIF/WebP) is checked between ``open`` and
  ``load``.  WebP is the exception: Pillow builds libwebp's decoder, which allocates the canvas,
  inside ``open``, so its header is read here first.  Pillow's ``DecompressionBombError`` maps to
  ImageTooLarge, and its ``DecompressionBombWarning`` is an error while ``open`` runs (under a
  lock: ``warnings.catch_warnings`` swaps process-wide state and is not thread-safe on 3.11).
  ``max_pixels`` never relies on Pillow's global ``MAX_IMAGE_PIXELS``, which others may change.
* **Metadata goes by re-encoding, never by editing the file.**  The pixels are copied into a new
  image whose ``info`` holds only transparency and the ICC profile, and saved with explicit
  parameters.  Deleting segments needs a parser per format and misses what it does not know
  (XMP, IPTC, maker notes, EXIF thumbnails that can show the uncropped original, PNG text); a
  re-encode carries only what we pass.  Left alone, Pillow writes ``im.info["comment"]`` back
  into a re-saved JPEG.  The price is one generation of JPEG loss (quality 90).  ICC profiles
  stay: they hold nothing personal and colours shift without them.
* **Orientation is applied to the pixels** (``ImageOps.exif_transpose``) before the EXIF tag goes.
* **Location only on request.**  ``keep_location=True`` keeps the GPS version, latitude and
  longitude tags (as GPS-only EXIF in JPEG, PNG and WebP; GIF has no EXIF) and returns decimal
  degrees; malformed GPS gives ``location=None`` and is dropped.
* **Animated GIF/WebP keep their first frame only**: a hotline photo is a still.
* HEIC/HEIF/AVIF are recognised only to refuse them with a useful message.

No aiohttp here.  :func:`clean_image` is CPU-bound and :class:`AttachmentStore` does blocking
I/O: async handlers should run them in an executor.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageFile, ImageOps

from gateway.errors import NotFound
from miniapp_api.errors import BadImage, ImageTooLarge, UnsupportedMedia


@dataclass(frozen=True)
class _Kind:
    ext: str
    plugins: tuple[str, ...]  # Pillow formats allowed to open it; phones' JPEGs open as "MPO"
    save_as: str


_KINDS = {"image/jpeg": _Kind("jpg", ("JPEG", "MPO"), "JPEG"), "image/png": _Kind("png", ("PNG",), "PNG"),
          "image/webp": _Kind("webp", ("WEBP",), "WEBP"), "image/gif": _Kind("gif", ("GIF",), "GIF")}
ACCEPTED_TYPES: tuple[str, ...] = tuple(_KINDS)
_TYPE_BY_EXT = {kind.ext: ctype for ctype, kind in _KINDS.items()}
_NAMES = "JPEG, PNG, WebP or GIF"
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEIF_BRANDS = _HEIC_BRANDS | {b"mif1", b"msf1"}
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_GPS = ExifTags.GPS
_KEPT_GPS = (_GPS.GPSVersionID, _GPS.GPSLatitudeRef, _GPS.GPSLatitude, _GPS.GPSLongitudeRef, _GPS.GPSLongitude)
_METADATA_INFO = ("xmp", "XML:com.adobe.xmp", "comment", "photoshop", "Raw profile type exif")
_ID = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp|gif)")
_BOMB_LOCK = threading.Lock()


def sniff(data: bytes) -> str | None:
    """The image type announced by the first bytes of ``data``, or None if not an image we know."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if len(data) < 16 or data[4:8] != b"ftyp":  # ISO BMFF: HEIF family, or video
        return None
    end = min(int.from_bytes(data[:4], "big"), len(data), 1024)
    major = data[8:12]
    brands = {major} | {data[i:i + 4] for i in range(16, end - 3, 4)}  # major + compatible brands
    if brands & _AVIF_BRANDS and major not in _HEIC_BRANDS:
        return "image/avif"
    return "image/heic" if brands & _HEIF_BRANDS else None


@dataclass(frozen=True)
class CleanImage:
    """A decoded, re-encoded upload: ``data`` is what gets stored, ``sha256`` its digest."""

    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    sha256: str
    location: tuple[float, float] | None  # (lat, long) from EXIF GPS, only when kept
    had_location: bool  # the upload carried EXIF GPS
    stripped: bool  # the upload carried metadata (EXIF, XMP, comments, text...) that is gone


@dataclass(frozen=True)
class _Metadata:
    location: tuple[float, float] | None
    had_location: bool
    stripped: bool
    exif: bytes | None  # GPS-only EXIF to store, when the location is kept


def clean_image(data: bytes, *, max_bytes: int = 8_000_000, max_pixels: int = 40_000_000,
                keep_location: bool = False) -> CleanImage:
    """Check ``data`` is a whole, reasonably sized image and return it re-encoded without metadata.

    Raises BadImage, ImageTooLarge or UnsupportedMedia; never anything else for bad input.
    """
    ctype = _check_upload(data, max_bytes)
    kind = _KINDS[ctype]
    with _open_checked(data, kind, max_pixels) as img:
        _decode(img, max_pixels)
        meta = _read_metadata(img, keep_location)
        pixels = _pixels_only(img)
    out = _encode(pixels, kind, exif=meta.exif, lossless=data[12:16] == b"VP8L")
    return CleanImage(data=out, content_type=ctype, ext=kind.ext, width=pixels.width, height=pixels.height,
                      sha256=hashlib.sha256(out).hexdigest(), location=meta.location,
                      had_location=meta.had_location, stripped=meta.stripped)


def _check_upload(data: bytes, max_bytes: int) -> str:
    if not data:
        raise BadImage(f"The upload is empty; attach a {_NAMES} photo.")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The image is larger than the {max_bytes / 1_000_000:g} MB limit.")
    ctype = sniff(data)
    if ctype in ("image/heic", "image/avif"):
        raise UnsupportedMedia(f"HEIC/HEIF/AVIF photos cannot be processed; send a {_NAMES} photo "
                               "(on iPhone: Settings > Camera > Formats > Most Compatible).")
    if ctype not in _KINDS:
        raise UnsupportedMedia(f"Only {_NAMES} images are accepted.")
    return ctype


def _check_pixels(width: int, height: int, frames: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise BadImage("The image has no pixels.")
    if width * height * frames > max_pixels:
        raise ImageTooLarge(f"The image has more than {max_pixels / 1_000_000:g} megapixels.")


def _webp_canvas(data: bytes) -> tuple[int, int]:
    """Canvas size from a WebP header (VP8, VP8L or VP8X), read without decoding."""
    chunk, le = data[12:16], "little"
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], le) & 0x3FFF, int.from_bytes(data[28:30], le) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], le)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], le) + 1, int.from_bytes(data[27:30], le) + 1
    raise BadImage("The WebP header is corrupt.")


def _open_checked(data: bytes, kind: _Kind, max_pixels: int) -> ImageFile.ImageFile:
    """Open lazily (headers only) and refuse, before any decoding, too many pixels."""
    if kind.save_as == "WEBP":
        _check_pixels(*_webp_canvas(data), 1, max_pixels)
    img = _open(data, kind, max_pixels)
    try:
        if img.format not in kind.plugins:
            raise BadImage(f"The file is not a readable {kind.ext.upper()} image.")
        _check_pixels(img.width, img.height, _frames(img), max_pixels)
    except BaseException:
        img.close()
        raise
    return img


def _open(data: bytes, kind: _Kind, max_pixels: int) -> ImageFile.ImageFile:
    with _BOMB_LOCK, warnings.catch_warnings():  # the lock keeps catch_warnings' restore correct
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=kind.plugins)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageTooLarge(f"The image has more than {max_pixels / 1_000_000:g} megapixels.") from e
        except Exception as e:  # Pillow raises many types for malformed input
            raise BadImage(f"The file is not a readable {kind.ext.upper()} image.") from e


def _frames(img: ImageFile.ImageFile) -> int:
    if img.format not in ("GIF", "WEBP"):
        return 1  # APNG and MPO: only the first frame is ever decoded
    try:
        return max(1, int(getattr(img, "n_frames", 1)))  # GIF: walks the blocks, decodes nothing
    except Exception as e:
        raise BadImage("The animation is corrupt.") from e


def _decode(img: ImageFile.ImageFile, max_pixels: int) -> None:
    try:
        img.load()
    except Image.DecompressionBombError as e:
        raise ImageTooLarge(f"The image has more than {max_pixels / 1_000_000:g} megapixels.") from e
    except Exception as e:
        raise BadImage("The image is truncated or corrupt.") from e


def _read_metadata(img: ImageFile.ImageFile, keep_location: bool) -> _Metadata:
    try:
        exif = img.getexif()
        gps = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # unreadable EXIF is dropped like any other
        exif, gps = Image.Exif(), {}
    location = _decimal_location(gps) if keep_location else None
    kept = _gps_only_exif(gps) if location is not None else None
    dropped_exif = any(tag != ExifTags.IFD.GPSInfo or kept is None for tag in exif)
    dropped_gps = kept is not None and bool(set(gps) - set(_KEPT_GPS))
    other = any(key in img.info for key in _METADATA_INFO) or bool(getattr(img, "text", None))
    unparsed = "exif" in img.info and not exif
    return _Metadata(location=location if kept else None, had_location=bool(gps) or ExifTags.IFD.GPSInfo in exif,
                     stripped=dropped_exif or dropped_gps or other or unparsed, exif=kept)


def _decimal_location(gps: dict[int, Any]) -> tuple[float, float] | None:
    try:
        return (_degrees(gps[_GPS.GPSLatitude], gps[_GPS.GPSLatitudeRef], "N", "S", 90.0),
                _degrees(gps[_GPS.GPSLongitude], gps[_GPS.GPSLongitudeRef], "E", "W", 180.0))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def _degrees(dms: Any, ref: Any, positive: str, negative: str, limit: float) -> float:
    """Degree/minute/second rationals plus an N/S or E/W reference, as signed decimal degrees."""
    if not isinstance(dms, (tuple, list)) or len(dms) != 3:
        raise ValueError("a GPS coordinate is three rationals")
    d, m, s = (float(part) for part in dms)
    value = d + m / 60 + s / 3600
    letter = (ref.decode("ascii") if isinstance(ref, bytes) else str(ref)).strip("\x00 ").upper()
    if min(d, m, s) < 0 or not math.isfinite(value) or value > limit or letter not in (positive, negative):
        raise ValueError("GPS coordinate out of range")
    return -value if letter == negative else value


def _gps_only_exif(gps: dict[int, Any]) -> bytes | None:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {tag: gps[tag] for tag in _KEPT_GPS if tag in gps}
    try:
        return exif.tobytes()
    except Exception:
        return None


def _pixels_only(img: ImageFile.ImageFile) -> Image.Image:
    """An upright copy of the first frame whose ``info`` holds only transparency and ICC profile."""
    try:
        upright = ImageOps.exif_transpose(img)
    except Exception:  # malformed EXIF: keep the pixels as stored
        upright = img.copy()
    upright.info = {key: img.info[key] for key in ("transparency", "icc_profile") if key in img.info}
    return upright


def _encode(pixels: Image.Image, kind: _Kind, *, exif: bytes | None, lossless: bool) -> bytes:
    params: dict[str, Any] = {}
    if kind.save_as == "JPEG" or (kind.save_as == "WEBP" and not lossless):
        params["quality"] = 90
    elif kind.save_as == "WEBP":
        params["lossless"] = True
    if exif and kind.save_as != "GIF":
        params["exif"] = exif
    if isinstance(icc := pixels.info.get("icc_profile"), bytes):
        params["icc_profile"] = icc
    buf = io.BytesIO()
    try:
        pixels.save(buf, format=kind.save_as, **params)
    except Exception as e:
        raise BadImage("The image could not be re-encoded.") from e
    return buf.getvalue()


class AttachmentStore:
    """Content-addressed files ``root/<sha[:2]>/<sha256>.<ext>``, on disk before ``save`` returns."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, img: CleanImage) -> str:
        """Write ``img`` (once: the same bytes give the same id) and return its attachment id."""
        digest = hashlib.sha256(img.data).hexdigest()
        if digest != img.sha256 or img.ext not in _TYPE_BY_EXT:
            raise ValueError("CleanImage does not match its data")
        attachment_id = f"{digest}.{img.ext}"
        target = self._file(attachment_id)
        if target.exists():
            _fsync_dir(target.parent)  # a concurrent save may not have synced its rename yet
        else:
            _write_durably(target, img.data)
        return attachment_id

    def path(self, attachment_id: str) -> Path:
        """The file of an attachment; NotFound for a malformed id or a missing file."""
        if not isinstance(attachment_id, str) or not _ID.fullmatch(attachment_id):
            raise NotFound("No such attachment.")
        target = self._file(attachment_id)
        if not target.is_file():
            raise NotFound("No such attachment.")
        return target

    def open(self, attachment_id: str) -> tuple[Path, str]:
        """The file and content type of an attachment."""
        target = self.path(attachment_id)
        return target, _TYPE_BY_EXT[target.suffix[1:]]

    def _file(self, attachment_id: str) -> Path:
        return self.root / attachment_id[:2] / attachment_id


def _write_durably(target: Path, data: bytes) -> None:
    """Temp file (0600), fsync, rename, fsync the directory (and its parent when it is new)."""
    shard = target.parent
    new_shard = not shard.is_dir()
    shard.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=shard, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(shard)
    if new_shard:
        _fsync_dir(shard.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
