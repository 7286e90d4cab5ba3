"""The production server's pieces in one process: escaped logs, the access log, the proxy's
scheme, and a process environment that never reaches a request."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st

from screener import create_app, server
from screener.config import ConfigError
from tests.conftest import SECRET

FORGED = "x\n[2026-12-03 07:00:00 +0000] [1] [INFO] screener: screening completed: outcome urgent"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything the "screener" loggers write through the escaping formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(server.EscapingFormatter())
    logger = logging.getLogger("screener")
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


@given(st.text())
@example("\U000e0020")  # a tag character: escaped with eight hex digits
def test_an_escaped_text_has_no_character_that_breaks_or_fakes_a_line(text: str) -> None:
    escaped = server.escape_controls(text)
    assert not [c for c in escaped if c != "\\" and ord(c) in server._ESCAPES]
    assert len(escaped.splitlines()) <= 1
    assert unescape(escaped) == text  # nothing is lost: each escape means one character


def unescape(text: str) -> str:
    """Read an escaped log text back (the test's own reader of the escapes)."""
    named = {"n": "\n", "r": "\r", "t": "\t", "e": "\x1b", "\\": "\\"}
    return re.sub(
        r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|[nrte\\])",
        lambda m: named.get(m.group(1)) or chr(int(m.group(1)[1:], 16)),
        text,
    )


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("nul\x00", "nul\\x00"),
        ("\x1b[31mred\x1b[0m", "\\e[31mred\\e[0m"),
        ("c1\x85\x9b", "c1\\x85\\x9b"),
        ("del\x7f", "del\\x7f"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("\u202eevil", "\\u202eevil"),
        ("back\\slash", "back\\\\slash"),
        ("plain text, accents: sí", "plain text, accents: sí"),
    ],
)
def test_each_kind_of_control_character_is_escaped(raw: str, shown: str) -> None:
    assert server.escape_controls(raw) == shown


def test_a_forged_message_stays_on_its_own_line(captured: io.StringIO) -> None:
    logging.getLogger("screener").warning("path %s", FORGED)
    written = captured.getvalue()
    assert written.count("\n") == 1  # the record's own end of line, nothing more
    assert "\\n[2026-12-03 07:00:00 +0000]" in written


def test_a_traceback_is_one_line_too() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord(
            "screener", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    written = server.EscapingFormatter().format(record)
    assert "\n" not in written
    assert "Traceback (most recent call last):\\n" in written and "bad\\nthing" in written


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": SECRET})


def call(wsgi: Any, path: str, method: str = "GET", **environ: Any) -> tuple[str, dict[str, str]]:
    """Call a WSGI app; return the status and headers."""
    seen: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, dict(headers)
        return lambda data: None

    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **environ,
    }
    body = wsgi(env, start)
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return seen["status"], seen["headers"]


def test_the_access_log_says_method_path_status_size_and_time_only(
    app: Flask, captured: io.StringIO
) -> None:
    wsgi = server.wsgi_app(app)
    call(wsgi, "/", QUERY_STRING="lang=es&secret=1", HTTP_USER_AGENT="agent-sentinel")
    call(wsgi, "/" + FORGED.replace("\n", "%0a") + "\x00")
    call(wsgi, "/" + "a" * 5000)
    lines = captured.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("ms") and '"GET /" 200 ' in lines[0]
    assert "secret" not in lines[0] and "agent-sentinel" not in lines[0]
    assert "127.0.0.1" not in captured.getvalue()
    assert '"GET /x%0a[2026-12-03' in lines[1] and "\\x00" in lines[1]
    assert len(lines[2]) < server.LOGGED_PATH_LENGTH + 120


def test_an_undecodable_path_is_logged_escaped(app: Flask, captured: io.StringIO) -> None:
    # A WSGI path is bytes as latin-1: here a UTF-8 line separator and a bare 0xff byte.
    call(server.wsgi_app(app), "/\xe2\x80\xa8\xff")
    line = captured.getvalue()
    assert line.count("\n") == 1
    assert "\\u2028" in line and "\\\\xff" in line


@pytest.mark.parametrize(
    ("allowed", "remote", "proto", "hsts"),
    [
        ("127.0.0.1", "127.0.0.1", "https", True),
        ("127.0.0.1", "10.0.0.9", "https", False),
        ("10.0.0.0/8", "10.0.0.9", "https", True),
        ("10.0.0.0/8, ::1", "::1", "https", True),
        ("127.0.0.1", "127.0.0.1", "http", False),
        ("*", "203.0.113.7", "HTTPS", True),
        ("127.0.0.1", "not an address", "https", False),
    ],
)
def test_only_the_configured_proxies_say_a_request_came_over_https(
    allowed: str, remote: str, proto: str, hsts: bool
) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "FORWARDED_ALLOW_IPS": allowed})
    _, headers = call(
        server.wsgi_app(app), "/healthz", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO=proto
    )
    assert ("Strict-Transport-Security" in headers) is hsts


def test_a_proxy_list_that_is_not_addresses_is_refused() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "FORWARDED_ALLOW_IPS": "proxy.lan"})
    with pytest.raises(ConfigError, match="SCREENER_FORWARDED_ALLOW_IPS"):
        server.wsgi_app(app)


# --------------------------------------------------------------------------- the bridge


class Headers:
    """Request headers as Granian's RSGI scope holds them: lower-case names, repeats kept."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.pairs if k == key), default)

    def __contains__(self, key: str) -> bool:
        return any(k == key for k, _ in self.pairs)


class Scope:
    def __init__(self, method: str, path: str, headers: list[tuple[str, str]], query: str = ""):
        self.proto = "http"
        self.http_version = "1.1"
        self.scheme = "http"
        self.method = method
        self.path = path
        self.query_string = query
        self.server = "127.0.0.1:8000"
        self.client = "127.0.0.1:50000"
        self.headers = Headers([("host", "screener.test"), *headers])


class Protocol:
    """A request body arriving in ``chunks``, ``delay`` seconds apart; and the response."""

    def __init__(self, chunks: list[bytes], delay: float = 0.0) -> None:
        self.chunks = chunks
        self.delay = delay
        self.read = 0
        self.response: tuple[int, dict[str, str], bytes] | None = None

    async def __call__(self) -> bytes:
        return b"".join([chunk async for chunk in self])

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            await asyncio.sleep(self.delay)
            self.read += len(chunk)
            yield chunk

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, {k.lower(): v for k, v in headers}, body)


def serve_one(
    app: Flask, scope: Scope, protocol: Protocol, timeout: float = 5
) -> tuple[int, dict[str, str], bytes]:
    bridge = server.bridge(app)
    bridge.body_timeout = timeout
    # On a thread of its own: other tests (Playwright's) may leave a loop running here.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(bridge(scope, protocol))).result()
    assert protocol.response is not None
    return protocol.response


FORM = [("content-type", "application/x-www-form-urlencoded")]


def test_the_bridge_serves_a_page_with_its_headers(app: Flask) -> None:
    status, headers, body = serve_one(app, Scope("GET", "/", []), Protocol([]))
    assert status == 200 and b"<html" in body
    assert "nonce-" in headers["content-security-policy"]


def test_the_bridge_reads_a_chunked_form_whole(app: Flask) -> None:
    chunks = [b"to", b"ken=", b"&x=1"]
    scope = Scope("POST", "/start", [*FORM, ("transfer-encoding", "chunked")])
    status, _, body = serve_one(app, scope, Protocol(chunks))
    assert status == 200 and b'name="question"' in body


@pytest.mark.parametrize("chunked", [True, False])
def test_a_body_over_the_limit_is_not_read_and_gets_413(app: Flask, chunked: bool) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    chunks = [b"a" * 16384] * (limit // 16384 + 8)
    length = sum(map(len, chunks))
    framing = ("transfer-encoding", "chunked") if chunked else ("content-length", str(length))
    protocol = Protocol(chunks)
    status, headers, _ = serve_one(app, Scope("POST", "/start", [*FORM, framing]), protocol)
    assert status == 413
    assert "nonce-" in headers["content-security-policy"]
    assert protocol.read <= limit + 16384  # it stopped reading just past the limit


def test_a_body_too_slow_gets_408_with_the_security_headers(app: Flask) -> None:
    protocol = Protocol([b"token=", b"abc"], delay=0.3)
    scope = Scope("POST", "/answer", [*FORM, ("content-length", "9")])
    status, headers, body = serve_one(app, scope, protocol, timeout=0.2)
    assert status == 408 and b"did not arrive in time" in body
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    api = Scope("POST", "/api/v1/evaluate", [("content-type", "application/json")])
    status, headers, body = serve_one(app, api, Protocol([b"{", b"}"], delay=0.3), timeout=0.2)
    assert status == 408 and headers["content-type"] == "application/problem+json"
    fhir_json = [("content-type", "application/fhir+json")]
    fhir = Scope("POST", "/api/v1/fhir/QuestionnaireResponse/$evaluate", fhir_json)
    status, headers, body = serve_one(app, fhir, Protocol([b"{", b"}"], delay=0.3), timeout=0.2)
    assert status == 408 and headers["content-type"] == "application/fhir+json"
    assert json.loads(body)["issue"][0]["code"] == "timeout"


def test_the_environ_holds_the_request_and_nothing_else(app: Flask) -> None:
    scope = Scope(
        "POST",
        "/x\n/é",
        [*FORM, ("x-a", "1"), ("x-a", "2"), ("content-length", "3")],
        query="lang=es",
    )
    environ = server.bridge(app).environ(scope, b"a=b", 3)
    assert environ["PATH_INFO"] == "/x\n/\xc3\xa9"  # UTF-8 bytes as latin-1, as WSGI has it
    assert environ["QUERY_STRING"] == "lang=es"
    assert environ["HTTP_X_A"] == "1,2"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["CONTENT_LENGTH"] == "3" and environ["wsgi.input"].read() == b"a=b"
    assert environ["HTTP_HOST"] == "screener.test"
    assert environ["REMOTE_ADDR"] == "127.0.0.1" and environ["SERVER_PORT"] == "8000"
    assert not {k for k in environ if k.startswith("SCREENER_") or k == "PATH"}


def test_a_header_with_an_underscore_cannot_pose_as_another(app: Flask) -> None:
    scope = Scope("GET", "/healthz", [("x_forwarded_proto", "https"), ("content_type", "x")])
    environ = server.bridge(app).environ(scope, b"", 0)
    assert "HTTP_X_FORWARDED_PROTO" not in environ and "CONTENT_TYPE" not in environ
    status, headers, _ = serve_one(app, scope, Protocol([]))
    assert status == 200 and "strict-transport-security" not in headers


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ([("host", "other.example")], 400),
        ([("transfer-encoding", "gzip, chunked")], 501),
        ([("transfer-encoding", "chunked")], 200),
    ],
)
def test_requests_the_bridge_cannot_hand_on_are_refused_with_the_headers(
    app: Flask, extra: list[tuple[str, str]], status: int
) -> None:
    scope = Scope("POST", "/start", [*FORM, *extra])
    got, headers, _ = serve_one(app, scope, Protocol([b"a=b"]))
    assert got == status
    assert headers["x-content-type-options"] == "nosniff"
    if status != 200:
        api = Scope("POST", "/api/v1/evaluate", [("content-type", "application/json"), *extra])
        got, headers, body = serve_one(app, api, Protocol([b"{}"]))
        assert got == status and headers["content-type"] == "application/problem+json"
        assert f'"status": {status}'.encode() in body
        fhir_json = [("content-type", "application/fhir+json"), *extra]
        fhir = Scope("POST", "/api/v1/fhir/QuestionnaireResponse/$evaluate", fhir_json)
        got, headers, body = serve_one(app, fhir, Protocol([b"{}"]))
        assert got == status and headers["content-type"] == "application/fhir+json"
        assert json.loads(body)["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("version", "protocol"), [("1", "HTTP/1.0"), ("1.1", "HTTP/1.1"), ("2", "HTTP/2")]
)
def test_the_protocol_is_named_as_wsgi_names_it(app: Flask, version: str, protocol: str) -> None:
    scope = Scope("GET", "/", [])
    scope.http_version = version
    assert server.bridge(app).environ(scope, b"", 0)["SERVER_PROTOCOL"] == protocol


def test_repeated_cookies_are_joined_as_cookies_are(app: Flask) -> None:
    scope = Scope("GET", "/", [("cookie", "a=1"), ("cookie", "b=2")])
    assert server.bridge(app).environ(scope, b"", 0)["HTTP_COOKIE"] == "a=1; b=2"


def test_an_ipv4_client_seen_through_an_ipv6_socket_is_still_the_proxy() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "FORWARDED_ALLOW_IPS": "127.0.0.1"})
    _, headers = call(
        server.wsgi_app(app),
        "/healthz",
        REMOTE_ADDR="::ffff:127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert "Strict-Transport-Security" in headers
