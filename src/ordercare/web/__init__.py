"""Server-rendered pages (Jinja2 + htmx, assets served from /static, nothing from a CDN).

`mount_web(app)` includes every section module of `web/pages/` (see registry.py and docs/web.md), serves
/static, and answers unknown page URLs with an HTML page instead of the API's JSON.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import error_page
from .registry import collect, page_modules
from .render import STATIC


def mount_web(app: FastAPI) -> None:
    modules = page_modules()
    collect(modules)
    for module in modules:
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    api_http_error = app.exception_handlers.get(StarletteHTTPException)

    async def http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") and api_http_error is not None:
            return await api_http_error(request, exc)
        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message)

    app.add_exception_handler(StarletteHTTPException, http_error)
