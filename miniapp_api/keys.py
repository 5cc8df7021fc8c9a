"""The app key under which the gateway keeps the self-service submission service."""

from aiohttp import web

from miniapp_api.service import SubmissionService

MINIAPP = web.AppKey("miniapp", SubmissionService)
