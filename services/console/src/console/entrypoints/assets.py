"""The pages' own static files, served from the package (htmx is vendored: no CDN)."""

from __future__ import annotations

from importlib.resources import files

from aftercare_platform.errors import NotFound
from fastapi import APIRouter
from fastapi.responses import Response

TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ASSETS = ("htmx.min.js", "console.js", "console.css")


def router() -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    loaded = {name: files("console").joinpath(f"static/{name}").read_bytes() for name in ASSETS}

    @pages.get("/static/{name}")
    async def asset(name: str) -> Response:
        if name not in loaded:
            raise NotFound(f"no asset {name!r}")
        return Response(loaded[name], media_type=TYPES[name[name.rindex("."):]],
                        headers={"cache-control": "public, max-age=3600", "x-content-type-options": "nosniff"})

    return pages
