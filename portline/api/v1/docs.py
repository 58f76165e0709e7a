"""The interactive API docs, served entirely from this server (no CDN).

django-ninja ships Swagger UI's files but only serves them when "ninja" is an installed app;
here the page and its files are served by the API itself, straight from the ninja package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Swagger

ASSETS_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}
# Swagger UI sets inline styles; everything else comes from this origin only.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class OfflineSwagger(Swagger):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        asset_url = reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": "x"})
        response = render(
            request,
            "api/swagger.html",
            {
                "api": api,
                "swagger_settings": json.dumps(self.settings).replace("<", "\\u003c"),
                "assets": asset_url[: -len("x")],
                "add_csrf": True,
            },
        )
        response["Content-Security-Policy"] = DOCS_CSP
        return response


def install_docs_assets(api: NinjaAPI) -> None:
    @api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
    def docs_asset(request: HttpRequest, name: str):
        if name not in ASSETS:
            raise Http404(name)
        response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=ASSETS[name])
        response["Cache-Control"] = "public, max-age=86400"
        return response
