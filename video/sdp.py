"""Checks on an SDP offer before it reaches an RTCPeerConnection.

A browser's offer is untrusted input.  ``validate_offer`` rejects, with one sentence a person can
act on, what aiortc would otherwise fail on deep inside ``setRemoteDescription`` (or, worse, accept
and then never deliver a frame):

* :class:`BadSdp` -- not an offer, empty, too large, not parseable by aiortc's own SDP parser,
  missing ICE credentials, DTLS fingerprint or ``rtcp-mux``, or no audio/video media section;
* :class:`UnsupportedCodec` -- an audio or video section offers no codec that aiortc can decode.

Codec support is not restated here: it is read from aiortc's codec table (``aiortc.codecs.CODECS``)
and matched with the same rule aiortc uses when it negotiates (mime type, clock rate and, for H.264,
packetization mode and profile).  With aiortc 1.16 that means VP8 and H.264 (constrained baseline,
packetization-mode 1) for video, and Opus, G.722, PCMU and PCMA for audio.  VP9, AV1 and H.264
High/Main profiles are *not* receivable.
"""

from __future__ import annotations

from aiortc.codecs import CODECS
from aiortc.rtcpeerconnection import find_common_codecs
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.sdp import MediaDescription, SessionDescription

from gateway.errors import GatewayError

MAX_SDP_BYTES = 64 * 1024
MEDIA_KINDS = ("audio", "video")


class BadSdp(GatewayError):
    code = "bad_sdp"
    status = 400


class UnsupportedCodec(GatewayError):
    code = "unsupported_codec"
    status = 400


def _is_rtx(codec: RTCRtpCodecParameters) -> bool:
    return codec.mimeType.lower().endswith("/rtx")


def supported_codecs(kind: str) -> list[str]:
    """Codec names aiortc can receive for ``kind`` ("audio" or "video"), in aiortc's order."""
    names: list[str] = []
    for codec in CODECS[kind]:
        if not _is_rtx(codec) and codec.name not in names:
            names.append(codec.name)
    return names


def _describe(kind: str) -> str:
    text = ", ".join(supported_codecs(kind))
    if kind == "video" and "H264" in text:
        text = text.replace("H264", "H264 (constrained baseline, packetization-mode 1)")
    return text


def parse_offer(sdp: str) -> SessionDescription:
    """Parse with aiortc's parser; any failure becomes :class:`BadSdp`."""
    try:
        return SessionDescription.parse(sdp)
    except Exception as exc:  # the parser signals bad input with assert, ValueError, KeyError...
        raise BadSdp(
            f"The SDP offer could not be parsed ({type(exc).__name__}); "
            "send the offer exactly as the browser's createOffer() produced it."
        ) from exc


def _check_transport(index: int, media: MediaDescription) -> None:
    where = f"Media section {index} ({media.kind})"
    if media.ice is None or not media.ice.usernameFragment or not media.ice.password:
        raise BadSdp(f"{where} has no ICE credentials; a=ice-ufrag and a=ice-pwd are required.")
    if media.dtls is None or not media.dtls.fingerprints:
        raise BadSdp(f"{where} has no DTLS fingerprint; a=fingerprint and a=setup are required.")
    if media.kind in MEDIA_KINDS and not media.rtcp_mux:
        raise BadSdp(f"{where} does not use a=rtcp-mux, which WebRTC requires.")


def _check_codecs(index: int, media: MediaDescription) -> None:
    common = [c for c in find_common_codecs(CODECS[media.kind], media.rtp.codecs) if not _is_rtx(c)]
    if common:
        return
    offered = sorted({c.name for c in media.rtp.codecs if not _is_rtx(c)}) or ["none with an a=rtpmap"]
    raise UnsupportedCodec(
        f"The {media.kind} section (media section {index}) offers only {', '.join(offered)}; "
        f"the gateway can receive {_describe(media.kind)}."
    )


def validate_offer(sdp: str, type_: str) -> None:
    """Raise :class:`BadSdp` or :class:`UnsupportedCodec` unless ``sdp`` is an offer aiortc can answer."""
    if type_ != "offer":
        raise BadSdp(f'Expected an SDP of type "offer", got {type_!r}; the caller must send its own offer.')
    if not isinstance(sdp, str) or not sdp.strip():
        raise BadSdp("The SDP offer is empty.")
    size = len(sdp.encode("utf-8", errors="replace"))
    if size > MAX_SDP_BYTES:
        raise BadSdp(f"The SDP offer is {size} bytes; the limit is {MAX_SDP_BYTES} bytes.")
    if not sdp.lstrip().startswith("v=0"):
        raise BadSdp('The SDP offer does not start with "v=0", so it is not an SDP session description.')
    session = parse_offer(sdp)
    media = [m for m in session.media if m.kind in MEDIA_KINDS]
    if not media:
        raise BadSdp("The SDP offer has no audio or video media section (no m=audio or m=video line).")
    for index, section in enumerate(session.media):
        if section.kind in MEDIA_KINDS or section.kind == "application":
            _check_transport(index, section)
        if section.kind in MEDIA_KINDS:
            _check_codecs(index, section)

