"""Typed application keys for shared state (aiohttp ``web.AppKey``)."""

from __future__ import annotations

from aiohttp import web

from gateway.chat.service import ChatService
from gateway.clock import Clock
from gateway.config import Config
from gateway.metrics import Metrics
from gateway.storage.repository import Repository

CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey("clock", Clock)  # type: ignore[type-abstract]
REPO = web.AppKey("repo", Repository)  # type: ignore[type-abstract]
SERVICE = web.AppKey("service", ChatService)
METRICS = web.AppKey("metrics", Metrics)
# The translation service (translate.service.TranslationService) or absent when MT is off.
TRANSLATION = web.AppKey("translation", object)
# video.service.VideoService, or absent when video is switched off.
VIDEO = web.AppKey("video", object)
# Sessions started per client address (gateway.ratelimit.TokenBuckets), against queue floods.
SESSION_LIMITS = web.AppKey("session_limits", object)
