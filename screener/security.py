"""Response headers that lock every page down, with a fresh CSP nonce for each request.

The Content-Security-Policy allows only Screener's own stylesheet and scripts,
and only through the nonce the page was drawn with: no inline code, no
plugins, no <base>, forms only to Screener itself, and framing only by the
embed allow-list on /embed pages (docs/embedding.md). docs/security.md gives
the threat model these headers answer.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, current_app, g, request

# Browser features Screener never uses: denied to its pages and anything they could load.
UNUSED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "web-share",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES)
HSTS = "max-age=63072000; includeSubDomains"
_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    # Not no-referrer: Flask-WTF's referrer check over HTTPS needs the origin.
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

# The loader that host sites include from their own pages, and the hashed assets.
_SHARED = ("embed_loader",)
_CACHEABLE = ("static", "assets.asset", "embed_loader")


def nonce() -> str:
    """This request's CSP nonce (made on first use)."""
    value: str | None = g.get("csp_nonce")
    if value is None:
        value = g.csp_nonce = secrets.token_urlsafe(18)
    return value


def content_security_policy(ancestors: str) -> str:
    """The policy for this request, with its nonce and ``frame-ancestors``."""
    n = nonce()
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{n}' 'strict-dynamic'",
            f"style-src 'nonce-{n}'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


def apply(response: Response, *, embed: bool) -> Response:
    """Set the security headers on a response (``embed``: an /embed page, framable by the list).

    Screener's views set none of these themselves (the cacheable endpoints set only
    Cache-Control, which is left alone), so they are added in one go.
    """
    ancestors = "'none'"
    if embed and current_app.config["EMBED_ORIGINS"]:
        ancestors = " ".join(current_app.config["EMBED_ORIGINS"])
    endpoint = request.endpoint
    added = [
        ("Content-Security-Policy", content_security_policy(ancestors)),
        *_ALWAYS,
        ("Cross-Origin-Resource-Policy", "cross-origin" if endpoint in _SHARED else "same-origin"),
    ]
    if ancestors == "'none'":
        added.append(("X-Frame-Options", "DENY"))  # for browsers that predate frame-ancestors
    if request.is_secure:
        added.append(("Strict-Transport-Security", HSTS))
    if endpoint not in _CACHEABLE:
        added.append(("Cache-Control", "no-store"))
    elif response.status_code >= 400:  # a missing asset must not be cached as missing
        response.headers["Cache-Control"] = "no-store"
    response.headers.extend(added)
    return response


def init_app(app: Flask) -> None:
    """Cookies, should anything ever set one, are host-only, secure, HttpOnly and strict.

    Screener itself sets none (a test checks every page); these settings make sure a
    future change cannot quietly add a weak one.
    """
    app.config.update(
        SESSION_COOKIE_NAME="__Host-screener",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
    )

    @app.context_processor
    def _nonce() -> dict[str, Any]:
        return {"csp_nonce": nonce()}
