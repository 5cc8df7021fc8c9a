"""Errors of the mini-program API; each maps to one HTTP status and a stable code."""

from __future__ import annotations

from gateway.errors import GatewayError


class UnsupportedMedia(GatewayError):
    """The upload is not a type we accept (decided from its bytes, never from its headers)."""

    code = "unsupported_media_type"
    status = 415


class ImageTooLarge(GatewayError):
    """Too many bytes, or too many pixels to decode safely."""

    code = "image_too_large"
    status = 413


class BadImage(GatewayError):
    """Looks like an accepted type but is empty, truncated or corrupt."""

    code = "bad_image"
    status = 422
