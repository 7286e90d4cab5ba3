"""Response headers that lock every page down, and the limits every request must keep.

The Content-Security-Policy allows only Screener's own stylesheet and scripts,
and only through the nonce the page was drawn with: no inline code, no
plugins, no <base>, forms only to Screener itself, and framing only by the
embed allow-list on /embed pages (docs/embedding.md). docs/security.md gives
the threat model these headers answer. Every response but the start pages that
search engines may list says ``X-Robots-Tag: noindex`` (screener/seo.py).

Whatever server runs the app, the app itself refuses, before any view runs, a
request target longer than ``MAX_TARGET`` (414), headers beyond
``MAX_HEADER_BYTES`` or ``MAX_HEADER_FIELDS`` (431) and a body beyond
``MAX_CONTENT_LENGTH``, with or without a Content-Length (413); and every redirect
it sends is relative, never built from the request's Host header.
"""

from __future__ import annotations

import io
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from flask import Flask, request
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import (
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.sansio.utils import get_content_length

from screener import seo
from screener.i18n import LANGUAGE_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The longest request target (path and query, as sent) the app answers; 414 beyond it.
MAX_TARGET = 4096
# The most header bytes (names, values, ": " and line ends) and fields; 431 beyond them.
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADER_FIELDS = 100

# Browser features Screener never uses: denied to its pages and anything they could load.
# Only features the browsers recognise are listed: Chromium logs a console warning for
# each one it does not know ("Unrecognized feature: 'web-share'", dropped for that; a
# browser test fails on any such warning from Debian's Chromium).
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

    def __init__(
        self,
        wsgi_app: WSGIApplication,
        embed_origins: list[str],
        indexable: frozenset[str] = frozenset(),
    ) -> None:
        self.wsgi_app = wsgi_app
        self.embed_ancestors = " ".join(embed_origins) if embed_origins else "'none'"
        self.indexable = indexable  # paths whose pages search engines may list

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        path = environ.get("PATH_INFO", "")
        embed = path == "/embed" or path.startswith("/embed/")
        ancestors = self.embed_ancestors if embed else "'none'"
        loader = path == "/embed.js"
        cacheable = loader or path.startswith(("/assets/", "/static/"))
        secure = environ.get("wsgi.url_scheme") == "https"
        listed = path in self.indexable and environ.get("REQUEST_METHOD") in ("GET", "HEAD")

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
            if not (listed and status.startswith("2")):  # as the page's own robots meta says
                headers.append(("X-Robots-Tag", "noindex"))
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
            # Screener only ever sends people to its own pages: a redirect never names a
            # host, least of all one taken from the request (see relative_location).
            if status[0] == "3" or status.startswith("201"):  # only these carry a Location
                headers[:] = [
                    (name, relative_location(value))
                    if name.lower() == "location"
                    else (name, value)
                    for name, value in headers
                ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def relative_location(location: str) -> str:
    """A redirect target as a path on this server: any scheme and host are dropped.

    Werkzeug builds absolute addresses from the request's Host header (its redirect to
    add a missing slash, ``url_for(_external=True)``); a hostile Host would turn them
    into a redirect to another site. What is left always starts with exactly one "/"
    (never "//" or "/\\", which browsers read as another host).
    """
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/\\")
    if parts.query:
        path += "?" + parts.query
    if parts.fragment:
        path += "#" + parts.fragment
    return path


class BodyLimit:
    """WSGI middleware that gives a body sent without a Content-Length (chunked) one.

    Such a body is read here, at most ``MAX_CONTENT_LENGTH`` + 1 bytes of it, and only
    when the server says the stream ends with the body (``wsgi.input_terminated``, as
    the WSGI servers that take chunked bodies set it); without that, it is left unread,
    as WSGI requires, and the app sees no body. A body that fits is handed on with its
    length; a longer one with no bytes and a length over the limit, so ``refuse_oversized``
    answers 413 on every route, whether or not the route reads a body (Werkzeug alone
    would cut it short at the limit, silently, and only where a body is read).
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.config = app.config

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        # Without a Transfer-Encoding a body has its Content-Length, or there is none
        # (RFC 9112, 6.3): nearly every request needs nothing more here.
        if "HTTP_TRANSFER_ENCODING" not in environ:
            return self.wsgi_app(environ, start_response)
        length = get_content_length(
            environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")
        )
        limit = self.config["MAX_CONTENT_LENGTH"]
        if length is None and environ.get("wsgi.input_terminated") and limit is not None:
            body = _read_at_most(environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                body = b""
                environ["CONTENT_LENGTH"] = str(limit + 1)
            else:
                environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body now has a length
        return self.wsgi_app(environ, start_response)


def _read_at_most(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of a stream: fewer only when it ends first."""
    parts = []
    left = size
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def request_target_length(environ: WSGIEnvironment) -> int:
    """How long the request target (path and query) is, in bytes, percent-encoded as a
    client sends it; computed the same way under any WSGI server."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    # WSGI gives the path decoded, its bytes as latin-1; the query as sent.
    sent = (
        len(path)
        if _PLAIN_PATH.fullmatch(path)
        else len(quote(path.encode("latin-1", "replace"), safe="/!$&'()*+,;=:@~"))
    )
    return sent + (len(query) + 1 if query else 0)


# A path that percent-encoding leaves as it is (nearly every one): its length is its own.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~!$&'()*+,;=:@-]*")


def header_size(environ: WSGIEnvironment) -> tuple[int, int]:
    """The request's header bytes (each "Name: value" and its line end) and fields.

    WSGI servers join repeated headers into one field, so the count is of distinct names.
    """
    # Each field: its name (the key less "HTTP_"), ": ", its value and "\r\n".
    sizes = [
        len(key) - 1 + len(value)
        for key, value in environ.items()
        if key[:5] == "HTTP_" and isinstance(value, str)
    ]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        value = environ.get(key)
        if value is not None:
            sizes.append(len(key) + 4 + len(str(value)))
    return sum(sizes), len(sizes)


def refuse_oversized(limit: int | None) -> None:
    """Before any view or other check, on every address (those that match no route
    too): 414 for an over-long request target, 431 for over-large headers, 413 for an
    over-large body. Their pages are Screener's own, or problem+json under /api."""
    environ = request.environ
    if request_target_length(environ) > MAX_TARGET:
        raise RequestURITooLarge()
    size, fields = header_size(environ)
    if size > MAX_HEADER_BYTES or fields > MAX_HEADER_FIELDS:
        raise RequestHeaderFieldsTooLarge()
    if limit is not None and environ.get("CONTENT_LENGTH"):
        # As Werkzeug reads it (a Transfer-Encoding overrides it; junk counts as none).
        length = get_content_length(
            environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")
        )
        if (length or 0) > limit:
            raise RequestEntityTooLarge()


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
    """The limits on requests, relative redirects, the headers on every response, no
    session at all; and cookies, should a future change bring one back, that are
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

    # The request limits (refuse_oversized) run first of all, from the one hook that
    # views.init_app adds: each hook costs Flask some work on every request.
    offered = app.extensions["screener_languages"].offered
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        BodyLimit(app.wsgi_app, app),
        app.config["EMBED_ORIGINS"],
        seo.indexable_paths(app.config["INDEXABLE"], (language.tag for language in offered)),
    )
