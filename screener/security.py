"""Response headers that lock every page down, with a fresh CSP nonce for each request.

The Content-Security-Policy allows only Screener's own stylesheet and scripts,
and only through the nonce the page was drawn with: no inline code, no
plugins, no <base>, forms only to Screener itself, and framing only by the
embed allow-list on /embed pages (docs/embedding.md). docs/security.md gives
the threat model these headers answer.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from flask import Flask, request
from flask.sessions import NullSession, SessionInterface

from screener.i18n import LANGUAGE_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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


NONCE_KEY = "screener.csp_nonce"  # where a request's nonce waits in its WSGI environ


def nonce() -> str:
    """This request's CSP nonce (made on first use)."""
    environ = request.environ
    value: str | None = environ.get(NONCE_KEY)
    if value is None:
        value = environ[NONCE_KEY] = secrets.token_urlsafe(18)
    return value


def content_security_policy(value: str, ancestors: str) -> str:
    """The policy for a response, with its nonce and ``frame-ancestors``."""
    return (
        f"default-src 'none'; script-src 'nonce-{value}' 'strict-dynamic'; "
        f"style-src 'nonce-{value}'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'; "
        f"frame-ancestors {ancestors}"
    )


class SecurityHeaders:
    """WSGI middleware that adds the security headers to every response Screener sends.

    It works on the plain header list as the response starts, so it costs a few list
    operations per request; the nonce is the one the page was drawn with.
    """

    def __init__(self, wsgi_app: WSGIApplication, embed_origins: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.embed_ancestors = " ".join(embed_origins) if embed_origins else "'none'"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        path = environ.get("PATH_INFO", "")
        embed = path == "/embed" or path.startswith("/embed/")
        ancestors = self.embed_ancestors if embed else "'none'"
        loader = path == "/embed.js"
        cacheable = loader or path.startswith(("/assets/", "/static/"))
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            value = environ.get(NONCE_KEY) or secrets.token_urlsafe(18)
            headers.append(("Content-Security-Policy", content_security_policy(value, ancestors)))
            headers.extend(_ALWAYS)
            headers.append(
                ("Cross-Origin-Resource-Policy", "cross-origin" if loader else "same-origin")
            )
            if ancestors == "'none'":
                headers.append(("X-Frame-Options", "DENY"))  # for browsers before frame-ancestors
            if secure:
                headers.append(("Strict-Transport-Security", HSTS))
            language = environ.get(LANGUAGE_KEY)  # set when the response has a language
            if language is not None:
                if not any(name.lower() == "content-language" for name, _ in headers):
                    headers.append(("Content-Language", language[0]))  # API problems say "en"
                if language[1]:
                    headers.append(("Vary", "Accept-Language"))
            if not cacheable:
                headers.append(("Cache-Control", "no-store"))
            elif not status.startswith(("2", "3")):  # a missing asset must not be cached as missing
                headers[:] = [h for h in headers if h[0].lower() != "cache-control"]
                headers.append(("Cache-Control", "no-store"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


class NoSession(NullSession):
    """The only session a Screener request has: empty, and refusing anything put in it."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Screener keeps no session: nothing about a person may be stored in a cookie"
        )

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = update = setdefault = _refuse


class NoSessions(SessionInterface):
    """Flask's session, switched off: no cookie is read, signed or set, on any request.

    Screener's answers travel only in the page's answers token (screener.state). Flask
    would otherwise build a signing serializer for every request to read a cookie that
    never exists; with this interface there is nothing to read and nothing to save.
    """

    null_session_class = NoSession

    def open_session(self, app: Flask, request: Any) -> NoSession:
        return NoSession()

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def init_app(app: Flask) -> None:
    """No session at all; and cookies, should a future change bring one back, that are
    host-only, secure, HttpOnly and strict.

    Screener sets no cookie (a test checks every page); these settings make sure a
    future change cannot quietly add a weak one.
    """
    app.session_interface = NoSessions()
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

    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, app.config["EMBED_ORIGINS"]
    )
