"""The pages: plain files from static/, no build step."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
PAGES = {"/": "index.html", "/chat": "caller/chat.html", "/video": "caller/video.html",
         "/voice": "caller/voice.html", "/console": "console/index.html",
         "/kiosk": "kiosk/index.html", "/kiosk/report": "kiosk/report.html",
         "/office": "office/index.html", "/supervisor": "supervisor/index.html"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'")
# The airport kiosk (/kiosk) shows the caller pages in a same-origin iframe; only they may be
# framed, and only by this origin.  Everything else stays unframeable.
FRAMEABLE = frozenset({"/chat", "/voice", "/video"})
CSP_FRAMEABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


def add_page_routes(app: web.Application, static_dir: Path = STATIC_DIR) -> None:
    for path, file in PAGES.items():
        target = static_dir / file

        async def page(request: web.Request, target: Path = target) -> web.StreamResponse:
            if not target.is_file():
                raise web.HTTPNotFound()
            return web.FileResponse(target, headers={"Content-Type": "text/html; charset=utf-8"})

        app.router.add_get(path, page)
    app.router.add_static("/static/", static_dir, follow_symlinks=False)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.scheme == "https":         # directly over TLS, or https at a trusted proxy
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    ctype = response.headers.get("Content-Type", "")
    if ctype.startswith("text/html"):
        response.headers.setdefault("Content-Security-Policy", CSP_FRAMEABLE if request.path in FRAMEABLE else CSP)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
