"""Photo attachments: sniffing, bomb refusal, metadata stripping, GPS on request, durable storage.

Every image here is made by Pillow (or is a Pillow image with patched header bytes); nothing is mocked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import random
import stat
import struct
import time
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational as R

from gateway.errors import GatewayError, NotFound
from miniapp_api.attachments import AttachmentStore, CleanImage, clean_image, sniff
from miniapp_api.errors import BadImage, ImageTooLarge, UnsupportedMedia

GPS = ExifTags.IFD.GPSInfo
MAKE = ExifTags.Base.Make
ORIENTATION = ExifTags.Base.Orientation
SHANGHAI = (31.2304, 121.4737)  # 31°13'49.44" N, 121°28'25.32" E


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def noise(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Incompressible pixels, so that truncating the file really loses image data."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def gps_ifd(lat: str = "N", lon: str = "E") -> dict[int, object]:
    return {ExifTags.GPS.GPSVersionID: b"\x02\x03\x00\x00",
            ExifTags.GPS.GPSLatitudeRef: lat, ExifTags.GPS.GPSLatitude: (R(31), R(13), R(4944, 100)),
            ExifTags.GPS.GPSLongitudeRef: lon, ExifTags.GPS.GPSLongitude: (R(121), R(28), R(2532, 100)),
            ExifTags.GPS.GPSAltitude: R(12), ExifTags.GPS.GPSTimeStamp: (R(8), R(30), R(0))}


def camera_exif(gps: dict[int, object] | None = None, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "AcmeCam"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps is not None:
        exif[GPS] = gps
    return exif


def reopen(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def png_declaring(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR is patched (CRC fixed) to declare another size."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def webp_declaring(width: int, height: int) -> bytes:
    """A real extended-format (VP8X) WebP whose canvas size is patched."""
    data = bytearray(encode(Image.new("RGB", (4, 4)), "WEBP", exif=camera_exif().tobytes()))
    assert data[12:16] == b"VP8X"
    data[24:27] = (width - 1).to_bytes(3, "little")
    data[27:30] = (height - 1).to_bytes(3, "little")
    return bytes(data)


SAMPLES = {
    "image/jpeg": encode(noise((16, 16)), "JPEG"),
    "image/png": encode(Image.new("RGBA", (5, 7), (1, 2, 3, 128)), "PNG"),
    "image/webp": encode(noise((16, 16)), "WEBP"),
    "image/gif": encode(Image.new("P", (9, 3), 4), "GIF"),
}
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cls", "code", "status"), [(UnsupportedMedia, "unsupported_media_type", 415),
                                                      (ImageTooLarge, "image_too_large", 413),
                                                      (BadImage, "bad_image", 422)])
def test_error_classes_carry_code_and_status(cls: type[GatewayError], code: str, status: int) -> None:
    err = cls("nope", field="media")
    assert isinstance(err, GatewayError)
    assert (err.code, err.status) == (code, status)
    assert err.to_dict() == {"error": {"code": code, "message": "nope", "field": "media"}}


# --- sniffing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", sorted(SAMPLES))
def test_sniff_recognises_each_accepted_type(ctype: str) -> None:
    assert sniff(SAMPLES[ctype]) == ctype


def test_sniff_recognises_lossless_and_extended_webp_and_gif87a() -> None:
    assert sniff(encode(Image.new("RGB", (3, 3)), "WEBP", lossless=True)) == "image/webp"
    assert sniff(webp_declaring(4, 4)) == "image/webp"
    assert sniff(b"GIF87a" + b"\0" * 20) == "image/gif"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b"hello, this is a plain text complaint",
    b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",  # an MP4 video
    b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but audio
    b"\xff\xd8",  # too short to be a JPEG
    b"",
])
def test_sniff_refuses_non_images(data: bytes) -> None:
    assert sniff(data) is None


def test_sniff_recognises_heif_family_which_is_then_refused_clearly() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 16
    avif = encode(Image.new("RGB", (4, 4)), "AVIF")  # Pillow 13 writes AVIF
    assert sniff(heic) == "image/heic"
    assert sniff(avif) == "image/avif"
    for data in (heic, avif):
        with pytest.raises(UnsupportedMedia, match="HEIC"):
            clean_image(data)


@pytest.mark.parametrize("data", [b"%PDF-1.4 ...", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"just text"])
def test_non_images_are_unsupported_media_naming_the_accepted_types(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as err:
        clean_image(data)
    assert err.value.status == 415
    assert all(name in err.value.message for name in ("JPEG", "PNG", "WebP", "GIF"))


# --- clean round trips -------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", sorted(SAMPLES))
def test_clean_image_round_trip_per_type(ctype: str) -> None:
    clean = clean_image(SAMPLES[ctype])
    original = reopen(SAMPLES[ctype])
    out = reopen(clean.data)
    assert clean.content_type == ctype
    assert clean.ext == {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}[ctype]
    assert out.format == FORMATS[ctype]
    assert (clean.width, clean.height) == out.size == original.size
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    assert (clean.location, clean.had_location, clean.stripped) == (None, False, False)


@pytest.mark.parametrize(("mode", "fmt", "params"), [
    ("CMYK", "JPEG", {}), ("L", "JPEG", {"progressive": True}), ("1", "PNG", {}), ("LA", "PNG", {}),
    ("I;16", "PNG", {}), ("P", "PNG", {"transparency": 3}), ("RGB", "PNG", {"interlace": 1}),
    ("RGBA", "WEBP", {}), ("L", "GIF", {}),
])
def test_modes_and_encodings_round_trip(mode: str, fmt: str, params: dict[str, object]) -> None:
    src = Image.new(mode, (7, 5))
    out = reopen(clean_image(encode(src, fmt, **params)).data)
    assert (out.format, out.size) == (fmt, (7, 5))
    assert out.mode == (src.mode if fmt != "GIF" else "P")


def test_apng_keeps_its_default_image_only() -> None:
    data = encode(Image.new("RGB", (6, 4), "red"), "PNG", save_all=True,
                  append_images=[Image.new("RGB", (6, 4), "blue")])
    assert reopen(data).n_frames == 2  # type: ignore[attr-defined]
    out = reopen(clean_image(data).data)
    assert getattr(out, "n_frames", 1) == 1
    assert out.getpixel((3, 2)) == (255, 0, 0)


def test_png_alpha_survives_the_re_encode() -> None:
    out = reopen(clean_image(SAMPLES["image/png"]).data)
    assert out.mode == "RGBA"
    assert out.getpixel((2, 3)) == (1, 2, 3, 128)


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
def test_palette_transparency_index_zero_survives(fmt: str) -> None:
    src = Image.new("P", (4, 4), 0)
    src.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    src.putpixel((1, 1), 1)
    out = reopen(clean_image(encode(src, fmt, transparency=0)).data)
    assert out.info.get("transparency") == 0
    assert out.convert("RGBA").getpixel((0, 0))[3] == 0
    assert out.convert("RGBA").getpixel((1, 1)) == (255, 0, 0, 255)


def test_lossless_webp_stays_lossless() -> None:
    src = noise((12, 12), seed=3)
    out = reopen(clean_image(encode(src, "WEBP", lossless=True)).data).convert("RGB")
    assert out.tobytes() == src.tobytes()


# --- privacy -----------------------------------------------------------------------------------

def test_jpeg_gps_and_camera_exif_are_stripped_by_default() -> None:
    data = encode(Image.new("RGB", (8, 8), "red"), "JPEG", exif=camera_exif(gps_ifd()))
    assert reopen(data).getexif().get_ifd(GPS)  # the upload really has GPS
    clean = clean_image(data)
    exif = reopen(clean.data).getexif()
    assert clean.had_location and clean.stripped
    assert clean.location is None
    assert GPS not in exif and not exif.get_ifd(GPS)
    assert MAKE not in exif
    assert b"AcmeCam" not in clean.data


def test_keep_location_returns_and_stores_gps_only() -> None:
    data = encode(Image.new("RGB", (8, 8), "red"), "JPEG", exif=camera_exif(gps_ifd()))
    clean = clean_image(data, keep_location=True)
    assert clean.location is not None
    assert clean.location == pytest.approx(SHANGHAI, abs=1e-4)
    assert clean.had_location and clean.stripped  # Make, altitude and timestamp went
    exif = reopen(clean.data).getexif()
    gps = exif.get_ifd(GPS)
    assert list(exif) == [GPS]
    assert set(gps) == {0, 1, 2, 3, 4}
    assert (gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLongitudeRef]) == ("N", "E")
    assert b"AcmeCam" not in clean.data


def test_stripped_reports_whether_anything_was_dropped_when_gps_is_kept() -> None:
    only_gps, only_position = Image.Exif(), Image.Exif()
    only_gps[GPS] = gps_ifd()  # position plus altitude and timestamp
    only_position[GPS] = {tag: value for tag, value in gps_ifd().items() if tag <= 4}
    with_extras = encode(Image.new("RGB", (8, 8)), "JPEG", exif=only_gps)
    position = encode(Image.new("RGB", (8, 8)), "JPEG", exif=only_position)
    assert clean_image(with_extras, keep_location=True).stripped
    assert not clean_image(position, keep_location=True).stripped
    assert clean_image(position).stripped  # without keep_location the position itself goes


@pytest.mark.parametrize(("lat", "lon", "sign"), [("S", "W", (-1, -1)), ("N", "W", (1, -1)), ("S", "E", (-1, 1))])
def test_southern_and_western_references_give_negative_degrees(lat: str, lon: str,
                                                               sign: tuple[int, int]) -> None:
    data = encode(Image.new("RGB", (8, 8)), "JPEG", exif=camera_exif(gps_ifd(lat, lon)))
    location = clean_image(data, keep_location=True).location
    assert location == pytest.approx((sign[0] * SHANGHAI[0], sign[1] * SHANGHAI[1]), abs=1e-4)


@pytest.mark.parametrize("gps", [
    {1: "N", 2: (R(31), R(13)), 3: "E", 4: (R(121), R(28), R(25))},  # two parts
    {1: "Q", 2: (R(31), R(13), R(4)), 3: "E", 4: (R(121), R(28), R(25))},  # no such reference
    {1: "N", 2: (R(95), R(0), R(0)), 3: "E", 4: (R(121), R(28), R(25))},  # beyond the pole
    {1: "N", 2: (R(31), R(1, 0), R(4)), 3: "E", 4: (R(121), R(28), R(25))},  # zero denominator
    {1: "N", 2: (R(31), R(13), R(4))},  # no longitude
    {ExifTags.GPS.GPSAltitude: R(5)},  # GPS without a position
])
def test_malformed_gps_gives_no_location_and_is_not_stored(gps: dict[int, object]) -> None:
    data = encode(Image.new("RGB", (8, 8)), "JPEG", exif=camera_exif(gps))
    clean = clean_image(data, keep_location=True)
    assert clean.location is None
    assert clean.had_location
    assert not reopen(clean.data).getexif().get_ifd(GPS)


def test_gps_in_png_and_webp_is_detected_and_kept_on_request() -> None:
    exif = camera_exif(gps_ifd()).tobytes()
    for fmt in ("PNG", "WEBP"):
        data = encode(Image.new("RGB", (6, 6)), fmt, exif=exif)
        stripped, kept = clean_image(data), clean_image(data, keep_location=True)
        assert stripped.had_location and not reopen(stripped.data).getexif()
        assert kept.location == pytest.approx(SHANGHAI, abs=1e-4)
        assert reopen(kept.data).getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_orientation_is_applied_to_the_pixels_and_the_tag_dropped() -> None:
    src = Image.new("RGB", (20, 10), "blue")
    src.paste((255, 0, 0), (0, 0, 10, 10))  # left half red
    data = encode(src, "JPEG", exif=camera_exif(orientation=6))  # 6: display rotated 90° clockwise
    clean = clean_image(data)
    out = reopen(clean.data)
    assert (clean.width, clean.height) == out.size == (10, 20)
    red, blue = out.getpixel((5, 4)), out.getpixel((5, 15))
    assert red[0] > 200 and red[2] < 60  # rotated clockwise: the left half is now on top
    assert blue[2] > 200 and blue[0] < 60
    assert ORIENTATION not in out.getexif()


def test_jpeg_comment_and_xmp_are_removed() -> None:
    # Pillow copies im.info["comment"] into a re-saved JPEG unless told otherwise.
    data = encode(Image.new("RGB", (8, 8)), "JPEG", comment=b"home: Room 1203",
                  xmp=b"<x:xmpmeta><rdf:Description photoshop:City='Shanghai'/></x:xmpmeta>")
    clean = clean_image(data)
    out = reopen(clean.data)
    assert clean.stripped
    assert "comment" not in out.info and "xmp" not in out.info
    assert b"Room 1203" not in clean.data and b"Shanghai" not in clean.data


def test_png_text_chunks_are_removed() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Li Wei, 13800138000")
    info.add_text("Comment", "compressed secret", zip=True)
    data = encode(Image.new("RGB", (6, 6)), "PNG", pnginfo=info)
    assert reopen(data).text  # type: ignore[attr-defined]
    clean = clean_image(data)
    assert clean.stripped
    assert reopen(clean.data).text == {}  # type: ignore[attr-defined]
    assert b"Li Wei" not in clean.data and b"tEXt" not in clean.data and b"zTXt" not in clean.data


def test_icc_profile_is_kept() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    clean = clean_image(encode(Image.new("RGB", (8, 8)), "JPEG", icc_profile=icc))
    assert reopen(clean.data).info.get("icc_profile") == icc
    assert not clean.stripped


def test_animated_gif_keeps_its_first_frame_only() -> None:
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "lime", "blue")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=b"secret")
    assert reopen(data).n_frames == 3  # type: ignore[attr-defined]
    clean = clean_image(data)
    out = reopen(clean.data)
    assert getattr(out, "n_frames", 1) == 1
    assert out.convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert b"secret" not in clean.data


def test_phone_mpo_jpeg_is_accepted_as_one_jpeg() -> None:
    # Phones write JPEGs with an MPF block; Pillow then reports format "MPO", not "JPEG".
    data = encode(Image.new("RGB", (8, 8), "red"), "MPO", save_all=True,
                  append_images=[Image.new("RGB", (8, 8), "blue")])
    assert reopen(data).format == "MPO"
    clean = clean_image(data)
    out = reopen(clean.data)
    assert (clean.content_type, out.format) == ("image/jpeg", "JPEG")
    assert out.getpixel((4, 4))[0] > 200


# --- limits and broken files -------------------------------------------------------------------

def test_byte_limit_names_the_limit_in_mb() -> None:
    with pytest.raises(ImageTooLarge, match=r"\b1 MB\b"):
        clean_image(b"\xff\xd8\xff" + b"\0" * 1_000_000, max_bytes=1_000_000)
    with pytest.raises(ImageTooLarge, match=r"\b8 MB\b"):
        clean_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 8_000_000)
    assert clean_image(SAMPLES["image/png"], max_bytes=len(SAMPLES["image/png"])).width == 5


def test_empty_upload_is_bad_image() -> None:
    with pytest.raises(BadImage):
        clean_image(b"")


def test_pixel_limit_is_exact() -> None:
    data = encode(Image.new("RGB", (10, 10)), "PNG")
    assert clean_image(data, max_pixels=100).width == 10
    with pytest.raises(ImageTooLarge, match="megapixels"):
        clean_image(data, max_pixels=99)


@pytest.mark.parametrize("side", [60_000, 8_000])  # beyond Pillow's own limit, and below it
def test_png_pixel_bomb_is_refused_before_decoding(side: int) -> None:
    bomb = png_declaring(side, side)
    assert len(bomb) < 100  # a tiny file declaring a huge size
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge):
        clean_image(bomb)
    assert time.perf_counter() - started < 0.5


def test_webp_canvas_is_checked_before_pillow_builds_the_decoder() -> None:
    # Pillow's WebP open allocates the canvas; a header check must come first.  Pillow alone
    # would fail this file with a generic error (BadImage) after trying to build the decoder.
    with pytest.raises(ImageTooLarge):
        clean_image(webp_declaring(9_000, 9_000))


def test_gif_pixel_bomb_is_refused() -> None:
    data = bytearray(SAMPLES["image/gif"])
    data[6:10] = struct.pack("<HH", 65_535, 65_535)  # logical screen size
    with pytest.raises(ImageTooLarge):
        clean_image(bytes(data))


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_frames_count_towards_the_pixel_limit(fmt: str) -> None:
    frames = [Image.new("RGB", (100, 100), colour) for colour in ("red", "lime", "blue")]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    with pytest.raises(ImageTooLarge):
        clean_image(data, max_pixels=25_000)  # each frame fits, three do not
    assert clean_image(data, max_pixels=30_000).width == 100


def test_pillow_bomb_warning_becomes_an_error_only_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)  # Pillow warns from 1000 px, errors from 2000
    filters_before = list(warnings.filters)
    with pytest.raises(ImageTooLarge):
        clean_image(encode(Image.new("RGB", (40, 40)), "PNG"))  # 1600 px, well under max_pixels
    assert warnings.filters == filters_before


@pytest.mark.parametrize("ctype", ["image/jpeg", "image/png", "image/webp"])
def test_truncated_images_are_bad(ctype: str) -> None:
    data = encode(noise((64, 64), seed=1), FORMATS[ctype])
    with pytest.raises(BadImage, match="truncated or corrupt|not a readable"):
        clean_image(data[: len(data) // 2])


@pytest.mark.parametrize("magic", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 "])
def test_magic_followed_by_garbage_is_bad_image(magic: bytes) -> None:
    with pytest.raises(BadImage):
        clean_image(magic + b"this is not image data at all" * 4)


def test_png_declaring_zero_width_is_bad_image() -> None:
    with pytest.raises(BadImage):
        clean_image(png_declaring(0, 10))


# --- never anything but our three errors -------------------------------------------------------

MAGICS = [b"\xff\xd8\xff", b"\xff\xd8\xff\xe1", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a",
          b"RIFF\x00\x01\x00\x00WEBPVP8 ", b"RIFF\x00\x01\x00\x00WEBPVP8L", b"RIFF\x00\x01\x00\x00WEBPVP8X",
          b"\x00\x00\x00\x18ftypheic"]
ALLOWED = (UnsupportedMedia, ImageTooLarge, BadImage)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Pillow warns (UserWarning) about the corrupt EXIF that mutated files carry; that is expected here.
PILLOW_NOISE = pytest.mark.filterwarnings("ignore::UserWarning:PIL")


def outcome(data: bytes) -> object:
    try:
        # A small pixel limit keeps mutated headers from making each example decode megapixels.
        return clean_image(data, max_pixels=1_000_000, keep_location=True)
    except ALLOWED as e:
        return e


@PILLOW_NOISE
@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_only_ever_give_a_clean_image_or_our_errors(data: bytes) -> None:
    assert isinstance(outcome(data), (CleanImage, *ALLOWED))


@PILLOW_NOISE
@FUZZ
@given(st.sampled_from(MAGICS), st.binary(max_size=4096))
def test_real_magic_then_arbitrary_bytes(magic: bytes, tail: bytes) -> None:
    assert isinstance(outcome(magic + tail), (CleanImage, *ALLOWED))


MUTABLE = [*SAMPLES.values(), encode(Image.new("RGB", (8, 8)), "JPEG", exif=camera_exif(gps_ifd(), 6)),
           encode(Image.new("RGB", (8, 8)), "PNG", exif=camera_exif(gps_ifd()).tobytes()),
           encode(Image.new("P", (6, 6)), "GIF", save_all=True, append_images=[Image.new("P", (6, 6), 3)])]


@PILLOW_NOISE
@FUZZ
@given(st.sampled_from(MUTABLE), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
       st.integers(1, 10_000))
def test_mutated_real_images(data: bytes, edits: list[tuple[int, int]], keep: int) -> None:
    mutated = bytearray(data[:keep])
    for index, value in edits:
        mutated[index % len(mutated)] = value
    result = outcome(bytes(mutated))
    assert isinstance(result, (CleanImage, *ALLOWED))
    if isinstance(result, CleanImage):
        assert reopen(result.data).size == (result.width, result.height)


# --- storage -----------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> AttachmentStore:
    return AttachmentStore(tmp_path / "srv" / "attachments")


def test_store_round_trip(store: AttachmentStore) -> None:
    clean = clean_image(SAMPLES["image/png"])
    attachment_id = store.save(clean)
    assert attachment_id == f"{clean.sha256}.png"
    path, ctype = store.open(attachment_id)
    assert path == store.root / clean.sha256[:2] / attachment_id
    assert path.read_bytes() == clean.data
    assert ctype == "image/png"
    assert store.path(attachment_id) == path


def test_store_is_content_addressed_and_idempotent(store: AttachmentStore) -> None:
    first = store.save(clean_image(SAMPLES["image/jpeg"]))
    second = store.save(clean_image(SAMPLES["image/jpeg"]))
    assert first == second
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [first]  # no temp files left


def test_concurrent_saves_of_one_image_leave_one_file(store: AttachmentStore) -> None:
    clean = clean_image(SAMPLES["image/webp"])
    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(lambda _: store.save(clean), range(16)))
    assert len(ids) == 1
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == list(ids)


def test_stored_file_is_private(store: AttachmentStore) -> None:
    path = store.path(store.save(clean_image(SAMPLES["image/gif"])))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_store_refuses_an_image_whose_digest_does_not_match(store: AttachmentStore) -> None:
    clean = clean_image(SAMPLES["image/png"])
    with pytest.raises(ValueError):
        store.save(dataclasses.replace(clean, sha256="0" * 64))
    assert not store.root.exists() or not any(store.root.rglob("*.png"))


VALID_HEX = "ab" * 32


@pytest.mark.parametrize("bad_id", [
    "../etc/passwd",
    f"../{VALID_HEX}.png",
    f"{VALID_HEX[:2]}/{VALID_HEX}.png",
    f"{VALID_HEX.upper()}.png",
    f"{VALID_HEX}.PNG",
    f"{VALID_HEX}.jpeg",
    f"{VALID_HEX}.svg",
    f"{VALID_HEX}.png\n",
    f"{VALID_HEX[:-1]}.png",
    f"{VALID_HEX}0.png",
    VALID_HEX,
])
def test_malformed_ids_are_not_found_even_when_the_file_is_there(store: AttachmentStore, bad_id: str) -> None:
    # Plant a file exactly where a naive root / id[:2] / id lookup would find it.
    store.root.mkdir(parents=True)
    target = Path(os.path.normpath(store.root / bad_id[:2] / bad_id))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(SAMPLES["image/png"])
    assert (store.root / bad_id[:2] / bad_id).is_file()
    with pytest.raises(NotFound):
        store.path(bad_id)
    with pytest.raises(NotFound):
        store.open(bad_id)


@pytest.mark.parametrize("bad_id", ["", ".", "..", "/etc/passwd", None, 42])
def test_degenerate_ids_are_not_found(store: AttachmentStore, bad_id: object) -> None:
    with pytest.raises(NotFound):
        store.path(bad_id)  # type: ignore[arg-type]


def test_well_formed_but_missing_id_is_not_found(store: AttachmentStore) -> None:
    with pytest.raises(NotFound):
        store.open(f"{VALID_HEX}.jpg")
