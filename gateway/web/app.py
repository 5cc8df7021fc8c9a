"""The aiohttp application factory."""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.acd import RoutingConfig, DEFAULT_ROUTING
from gateway.chat.drafting import Drafter
from gateway.chat.service import ChatService
from gateway.chat.translation import ChatTranslator
from gateway.clock import Clock, SystemClock
from gateway.config import Config
from gateway.demo import demo_users
from gateway.metrics import Metrics
from gateway.storage import create_repository, redact_url
from gateway.storage.repository import Repository
from gateway.web import api, kiosk_api, office, stats_api, tickets, translate_api, video_api, ws
from gateway.web.keys import CLOCK, CONFIG, METRICS, REPO, SERVICE, TRANSLATION, VIDEO
from gateway.web.middleware import errors_middleware
from gateway.web.pages import add_page_routes, security_headers

log = logging.getLogger("gateway.app")


def create_app(config: Config, *, clock: Clock | None = None, drafter: Drafter | None = None,
               run_ticker: bool = True, translator: ChatTranslator | None = None) -> web.Application:
    """Build the app.  Storage opens on start-up and closes on clean-up."""
    import languages
    languages.configure(config.languages or None)
    clock = clock or SystemClock()
    metrics = Metrics()
    repo = create_repository(config.db, synchronous=config.sqlite_synchronous, pool_size=config.db_pool_size,
                             on_commit=metrics.on_commit)
    routing = RoutingConfig.from_dict(config.routing or DEFAULT_ROUTING)
    translation = None
    if config.mt_enabled:
        # Imports argostranslate, pointed at translate_dir; models load on first use.
        from translate.service import TranslationService
        translation = TranslationService(config.translate_dir, max_chars=config.mt_max_chars,
                                         cache_size=config.mt_cache_size)
    if drafter is None:
        from translate.service import TranslateDrafter
        drafter = TranslateDrafter(translation)
    from gateway import secretkey
    service = ChatService(repo=repo, routing=routing, clock=clock, config=config, metrics=metrics,
                          drafter=drafter, translator=translator or translation,
                          secret=secretkey.load_or_create(config.secret_file))
    metrics.attach_live(service.snapshot)

    from gateway.web.proxies import middleware as real_client
    app = web.Application(middlewares=[real_client(config.trusted_proxies), errors_middleware],
                          client_max_size=config.max_body_bytes)
    app[CONFIG] = config
    app[CLOCK] = clock
    app[METRICS] = metrics
    app[REPO] = repo
    app[SERVICE] = service
    from gateway.ratelimit import TokenBuckets
    from gateway.web.keys import SESSION_LIMITS
    app[SESSION_LIMITS] = TokenBuckets(config.session_rate_per_address_per_min, 60.0,
                                       burst=config.session_rate_per_address_per_min)
    app.add_routes(api.routes)
    app.add_routes(tickets.routes)
    app.add_routes(office.routes)
    app.add_routes(stats_api.routes)
    app.add_routes(ws.routes)
    app.add_routes(translate_api.routes)
    app.add_routes(video_api.routes)
    kiosk_api.add_kiosk_routes(app)
    _add_miniapp(app, config, repo, service, clock)
    video = None
    if config.video_enabled:
        from video.service import VideoService
        video = VideoService(service, recordings_dir=config.recordings_dir,
                             retention_days=config.recording_retention_days,
                             analysis_fps=config.video_analysis_fps)
        service.on_session_end.append(video.close)
        app[VIDEO] = video
    if translation is not None:
        app[TRANSLATION] = translation
    add_page_routes(app)
    app.on_response_prepare.append(security_headers)

    async def on_startup(app: web.Application) -> None:
        await repo.open()
        if config.demo:
            await seed_demo(repo, clock.now())
        await service.start(run_ticker=run_ticker)
        if video is not None:
            removed = video.purge_recordings(clock.now())
            if removed:
                log.info("expired recordings deleted", extra={"event": "recordings_purged", "count": len(removed)})
        log.info("gateway started", extra={"event": "started", "db": redact_url(config.db)})

    async def on_shutdown(app: web.Application) -> None:
        if video is not None:
            await video.close_all()   # finishes recordings cleanly
        await service.stop()          # stop timers, close sockets with 1012 so pages reconnect

    async def on_cleanup(app: web.Application) -> None:
        await repo.close()            # drains and commits whatever is queued
        if translation is not None:
            translation.close()
        log.info("gateway stopped", extra={"event": "stopped"})

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


def _add_miniapp(app: web.Application, config: Config, repo: Repository, service: ChatService,
                 clock: Clock) -> None:
    """Self-service submissions: Open311 GeoReport v2, the mini program's API, the OpenAPI document."""
    from pathlib import Path

    from miniapp_api import native_web, open311_web
    from miniapp_api.attachments import AttachmentStore
    from miniapp_api.keys import MINIAPP
    from miniapp_api.openapi import document
    from gateway.ratelimit import SubmissionLimits
    from miniapp_api.service import SubmissionService

    app[MINIAPP] = SubmissionService(
        repo=repo, drafter=service.drafter, clock=clock, secret=service.secret,
        store=AttachmentStore(Path(config.attachments_dir)),
        limits=SubmissionLimits(per_client_per_min=config.miniapp_rate_per_client_per_min,
                                per_submitter_per_hour=config.miniapp_rate_per_submitter_per_hour,
                                per_address_per_hour=config.miniapp_rate_per_address_per_hour),
        max_photo_bytes=config.miniapp_max_photo_bytes, max_photo_pixels=config.miniapp_max_photo_pixels,
        max_description=config.miniapp_max_description_chars)
    app.add_routes(open311_web.routes)
    app.add_routes(native_web.routes)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(document(f"{request.scheme}://{request.host}"))

    app.router.add_get("/api/v1/openapi.json", openapi)


async def seed_demo(repo: Repository, now: float) -> int:
    created = 0
    for user in demo_users(now):
        if await repo.get_user_by_login(user.login) is None:
            await repo.create_user(user)
            created += 1
    return created
