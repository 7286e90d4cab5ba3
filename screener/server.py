"""Run a Screener app under Granian, the production server, and write its logs safely.

Granian reads requests with Rust's hyper on an event loop: a connection that is
idle, sends its headers a byte at a time, or trickles its body holds no Python
thread while it waits, so slow clients cannot starve the pages of workers
(docs/deploy.md gives the measurements and what a reverse proxy still adds).
The app is built and checked once, in the main process, and the worker
processes are forked from it.

Every line Screener writes to a log goes through ``EscapingFormatter``: control
characters (CR, LF, NUL, ESC, the other C0 and C1 characters, line and
paragraph separators, bidirectional overrides) are written as escapes, so no
request can forge a log line or break one.
"""

from __future__ import annotations

import asyncio
import gc
import io
import ipaddress
import json
import logging
import multiprocessing
import resource
import socket
import sys
import time
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.logging import default_handler

from screener.config import ConfigError, check_metrics_host, proxy_networks

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Seconds a client has to send a request's headers, from the first byte of the
# connection or after the previous response; an idle connection is closed then.
HEADER_READ_TIMEOUT = 10
# Connections the kernel queues for accepting.
BACKLOG = 2048
# Seconds a client has to send a request's whole body once its headers are in.
BODY_READ_TIMEOUT = 10
# Bytes of request line and headers Granian buffers. The app refuses much less itself
# (414 and 431, with Screener's headers and problem+json for the API): this is the
# limit past which only Granian answers.
MAX_HEADER_BUFFER = 64 * 1024
# Characters of a path written to the access log: enough to tell pages apart.
LOGGED_PATH_LENGTH = 200
LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"

# Characters a log line must never hold as they are: every control character (C0, DEL,
# C1), the line and paragraph separators, and every invisible formatting character (the
# bidirectional overrides that make a viewer show text in another order than written,
# zero-width spaces and joiners, ...). Unicode's planes 0, 1 and 14 hold all of them.
_UNSAFE = [
    code
    for plane in (range(0x0000, 0x20000), range(0xE0000, 0xE1000))
    for code in plane
    if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp")
]
_SHORT = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x1B: "\\e"}
_ESCAPES = {
    code: _SHORT.get(
        code,
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}",
    )
    for code in _UNSAFE
}
_ESCAPES[0x5C] = "\\\\"  # a backslash too, so that an escape in a log always means one


def escape_controls(text: str) -> str:
    """``text`` with every character that could break or fake a log line escaped."""
    return text.translate(_ESCAPES)


class EscapingFormatter(logging.Formatter):
    """A formatter whose every record is one line with no control characters.

    The whole formatted record is escaped, the message, its arguments and any
    traceback alike: a traceback then reads as one line with ``\\n`` between its lines.
    """

    def __init__(self, fmt: str | None = LOG_FORMAT, datefmt: str | None = LOG_DATE_FORMAT) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith("_granian"):  # Granian's Rust side logs under this name
            record.name = record.name[1:]
        return escape_controls(super().format(record))


def _handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter())
    handler.screener = True  # type: ignore[attr-defined]
    return handler


def log_to_stderr() -> None:
    """Screener's own log lines (warnings, one per completed screening with its outcome
    tier, and the access log) go to standard error, escaped, beside Granian's."""
    logger = logging.getLogger("screener")  # also the app's logger: Flask names it after the app
    logger.removeHandler(default_handler)
    if not any(getattr(h, "screener", False) for h in logger.handlers):
        logger.addHandler(_handler())
        logger.setLevel(logging.INFO)
        logger.propagate = False


# Granian's own loggers ("_granian" for the server, "granian.access" unused: Screener
# writes its own access log), through the same escaping formatter, to standard error.
GRANIAN_LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"screener": {"()": "screener.server.EscapingFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "screener",
            "stream": "ext://sys.stderr",
        }
    },
    # Anything else (asyncio's own complaints, ...) goes through the same formatter.
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "granian.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}


def logged_path(environ: WSGIEnvironment) -> str:
    """The request's path as a log may show it: decoded, shortened, never its query."""
    raw: str = environ.get("PATH_INFO", "")
    try:
        path = raw.encode("latin-1").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a server that already decoded it
        path = raw
    if len(path) > LOGGED_PATH_LENGTH:
        path = path[:LOGGED_PATH_LENGTH] + "..."
    return path


class AccessLog:
    """WSGI middleware writing one access line per request: method, path, status, size
    and time. Never the query string, a header, an address or anything of the body.

    The method and path come from the client, so the line is escaped like every other
    (``EscapingFormatter``)."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app
        self.log = logging.getLogger("screener.access")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            status, headers = seen if seen else ("500", [])
            size = next((v for k, v in headers if k.lower() == "content-length"), "-")
            method = environ.get("REQUEST_METHOD", "")[:16]
            self.log.info(
                '"%s %s" %s %s %dms',
                method,
                logged_path(environ),
                status.split(" ", 1)[0],
                size,
                round((time.perf_counter() - started) * 1000),
            )


class ForwardedProto:
    """WSGI middleware that believes ``X-Forwarded-Proto: https`` from the configured
    proxies only, so Screener knows a request came over HTTPS (for HSTS and the
    form's referrer check). From anyone else the header changes nothing."""

    def __init__(self, wsgi_app: WSGIApplication, allowed: str) -> None:
        self.wsgi_app = wsgi_app
        try:
            self.networks = proxy_networks(allowed)
        except ConfigError as e:
            raise ConfigError(f"SCREENER_FORWARDED_ALLOW_IPS: {e}") from None

    def _from_proxy(self, address: str) -> bool:
        if self.networks is None:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a server listening on :: sees IPv4 clients this way
        return any(ip in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        if proto is not None:
            if proto.strip().lower() == "https" and self._from_proxy(
                environ.get("REMOTE_ADDR", "")
            ):
                environ["wsgi.url_scheme"] = "https"
            else:
                environ["wsgi.url_scheme"] = "http"
        return self.wsgi_app(environ, start_response)


def _start_metrics(host: str, port: int) -> None:
    """Start the metrics listener in the main process, adding up every worker's files;
    ConfigError naming the setting when the address cannot be had."""
    from screener import metrics

    check_metrics_host(host, port)
    try:
        metrics.serve_from_master(host, port)
    except OSError as e:
        problem = "is already in use" if e.errno == 98 else f"cannot be used ({e.strerror})"
        raise ConfigError(f"SCREENER_METRICS_PORT: port {port} on {host} {problem}") from None


def wsgi_app(app: Flask) -> WSGIApplication:
    """The app as the production server runs it: trusted-proxy scheme and access log."""
    return AccessLog(ForwardedProto(app, app.config.get("FORWARDED_ALLOW_IPS", "127.0.0.1")))


def refusal(status: str, detail: str) -> WSGIApplication:
    """A WSGI app that refuses every request with ``status``: an OperationOutcome for the
    FHIR face, problem+json for the rest of the API, plain text otherwise. The bridge
    answers with it what it cannot hand to Screener, behind the security headers of
    every response."""
    code, _, title = status.partition(" ")
    problem = json.dumps(
        {"type": "about:blank", "title": title, "status": int(code), "detail": detail}
    ).encode()
    issue = {"408": "timeout", "501": "not-supported"}.get(code, "invalid")
    outcome = json.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": issue, "diagnostics": detail}],
        }
    ).encode()
    text = f"{title}: {detail}\n".encode()

    def refuse(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/v1/fhir/"):
            body, kind = outcome, "application/fhir+json"
        elif path.startswith("/api/"):
            body, kind = problem, "application/problem+json"
        else:
            body, kind = text, "text/plain"
        start_response(
            status,
            [("Content-Type", kind), ("Content-Length", str(len(body))), ("Connection", "close")],
        )
        return [body]

    return refuse


TOO_SLOW = ("408 Request Timeout", "The request body did not arrive in time.")
TWO_HOSTS = ("400 Bad Request", "A request names one host, not several.")
UNKNOWN_CODING = ("501 Not Implemented", "Only chunked transfer coding is understood.")
# How Granian names HTTP versions, and how WSGI does.
_PROTOCOLS = {"1": "HTTP/1.0", "1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2"}


class Bridge:
    """Screener's WSGI app served over Granian's RSGI interface, one request at a time
    per worker, each request whole before the app sees it.

    Granian's own WSGI interface hands a request to a Python thread as soon as its
    headers are in, and the thread then waits for the body: a client trickling bodies
    holds threads, and the many threads needed against that slow every page (each waits
    for the interpreter's lock). Here the body is read on the event loop instead, within
    ``body_timeout`` seconds and at most ``max_body`` + 1 bytes, and only then is the app
    called, on the loop's one thread. A body too large is not read further: the app
    sees its length and answers 413 (chunked bodies too). A body too slow gets 408.

    The environ holds the request and nothing else: not the server's environment, and
    no header whose name has an underscore (``X_Forwarded_Proto`` would otherwise pose as
    ``X-Forwarded-Proto``). A request with two Host headers gets 400, one with a transfer
    coding other than chunked 501.

    Granian ends a chunked body quietly when the client goes away in the middle of it,
    so such a cut body reaches the app as if whole; nobody is left to read the answer,
    and browsers and proxies send form posts with a Content-Length anyway.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        max_body: int,
        body_timeout: float,
        refusals: dict[tuple[str, str], WSGIApplication],
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.refusals = refusals

    async def _body(self, scope: Any, protocol: Any) -> tuple[bytes, int]:
        """The body, and the length to tell the app: past the limit, the bytes stop and
        the length says more than the limit."""
        declared = scope.headers.get("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length > self.max_body or length < 0:
                return b"", max(length, self.max_body + 1)
            body = await protocol()
            return body, len(body)
        if scope.method in ("GET", "HEAD", "OPTIONS", "DELETE") and (
            "transfer-encoding" not in scope.headers
        ):
            return b"", 0
        parts: list[bytes] = []
        size = 0
        async for chunk in protocol:
            parts.append(chunk)
            size += len(chunk)
            if size > self.max_body:
                return b"", size
        return b"".join(parts), size

    def environ(self, scope: Any, body: bytes, length: int) -> dict[str, Any]:
        """The WSGI environ of a request, from its RSGI scope and nothing else: no
        variable of the server's own environment can pose as part of a request."""
        host, _, port = scope.server.rpartition(":")
        client = scope.client.rpartition(":")[0] if ":" in scope.client else scope.client
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            # WSGI carries the path's bytes as latin-1; Granian gives it decoded as UTF-8.
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": host.strip("[]"),
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": _PROTOCOLS.get(scope.http_version, "HTTP/1.1"),
            "REMOTE_ADDR": client.strip("[]"),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }
        for name, value in scope.headers.items():
            if "_" in name:
                continue
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue
            if key != "CONTENT_TYPE":
                key = "HTTP_" + key
            if key in environ:
                value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
            environ[key] = value
        if length or "transfer-encoding" in scope.headers or "content-length" in scope.headers:
            environ["CONTENT_LENGTH"] = str(length)
        return environ

    @staticmethod
    def call(app: WSGIApplication, environ: dict[str, Any]) -> tuple[int, list[Any], bytes]:
        """Run a WSGI app to the end: its status, headers and whole body."""
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return written.append

        result = app(environ, start_response)
        try:
            written.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(started[0].split(" ", 1)[0]), started[1], b"".join(written)

    def _refused(self, scope: Any) -> tuple[str, str] | None:
        """What the request must be refused for before its body is read, if anything."""
        headers = scope.headers
        if sum(1 for name, _ in headers.items() if name == "host") > 1:
            return TWO_HOSTS
        coding = headers.get("transfer-encoding")
        if coding is not None and coding.strip().lower() != "chunked":
            return UNKNOWN_CODING
        return None

    async def __call__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        refused = self._refused(scope)
        body, length = b"", 0
        if refused is None:
            try:
                async with asyncio.timeout(self.body_timeout):
                    body, length = await self._body(scope, protocol)
            except TimeoutError:
                refused = TOO_SLOW
            except RuntimeError:  # the client went away mid-body: nobody to answer
                return
        app = self.app if refused is None else self.refusals[refused]
        status, headers, content = self.call(app, self.environ(scope, body, length))
        protocol.response_bytes(status, headers, content)

    __rsgi__ = __call__  # how Granian finds an RSGI app


def bridge(app: Flask) -> Bridge:
    """The RSGI app ``screener serve`` runs: ``wsgi_app`` behind the whole-body bridge."""
    from screener.security import SecurityHeaders

    origins = app.config.get("EMBED_ORIGINS", [])
    return Bridge(
        wsgi_app(app),
        # Screener sets its limit in create_app; any other app gets the same.
        max_body=int(app.config.get("MAX_CONTENT_LENGTH") or 64 * 1024),
        body_timeout=BODY_READ_TIMEOUT,
        refusals={
            reason: AccessLog(SecurityHeaders(refusal(*reason), origins))
            for reason in (TOO_SLOW, TWO_HOSTS, UNKNOWN_CODING)
        },
    )


def _open_file_limit() -> int:
    """Raise this process's limit on open files to the most it may have (each connection
    is one), and return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # kept as it was: the server still runs, with fewer connections
    return max(1, soft - 64)  # some left for the process's own files


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host``:``port``. Granian binds its port to
    be shared by its workers (SO_REUSEPORT), so a second server on the same port would
    start without a word and take half the requests: an old version of the rules left
    running would still answer some people. A plain bind, which such a port refuses,
    finds out first."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError:
        return False  # the server reports an address it cannot use
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def run(app: Flask, *, host: str, port: int, workers: int) -> None:
    """Serve ``app`` until stopped, with ``workers`` worker processes.

    Raises ConfigError for a setting that cannot be used (a metrics port in use, the
    port itself in use, ...).
    """
    if port_in_use(host, port):
        raise ConfigError(
            f"port {port} on {host} is already in use (another Screener still running?): "
            "stop it, or choose another port"
        )
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    log_to_stderr()
    served = bridge(app)
    # The workers are forked from this process, with the app already built (and frozen
    # below): never spawned afresh, whatever a platform's default.
    multiprocessing.set_start_method("fork", force=True)
    connections = _open_file_limit()
    if app.config["METRICS_PORT"]:
        _start_metrics(app.config["METRICS_HOST"], app.config["METRICS_PORT"])
    # Everything built so far (the app, its rules, catalogs and pre-drawn pages) lives as
    # long as the process: keep it out of the garbage collector's way, so the workers
    # forked from here neither rescan it nor copy it by touching it.
    gc.collect()
    gc.freeze()
    server = Server(
        "screener",  # a name for Granian's logs: the app itself comes from target_loader
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        http=HTTPModes.http1,  # what a reverse proxy speaks to its upstream
        websockets=False,
        # Connections waiting to be accepted, and requests in progress (reading a body,
        # waiting their turn) per worker: as many as the process may have files open.
        backlog=BACKLOG,
        backpressure=connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=HEADER_READ_TIMEOUT * 1000,
            keep_alive=True,
            max_buffer_size=MAX_HEADER_BUFFER,
        ),
        log_dictconfig=GRANIAN_LOGGING,
        log_access=False,  # Screener's own, escaped (AccessLog)
        # A worker that dies is replaced; the others keep answering meanwhile.
        respawn_failed_workers=True,
        respawn_interval=1.0,
        workers_kill_timeout=30,
    )
    server.serve(target_loader=lambda *_: served, wrap_loader=False)
