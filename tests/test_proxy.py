"""The reverse proxy configuration docs/deploy.md gives, run for real in front of
`screener serve`: Screener's own headers pass through untouched, and the responses
Screener does not write (nginx's own errors, and the bare ones Granian sends for a
request it cannot read) get the security headers from the proxy.

`make test` installs Debian's nginx-light for this, as it installs Chromium.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from screener.security import PERMISSIONS_POLICY
from tests.servers import free_port, running

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = os.environ.get("SCREENER_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
PARTNER = "https://partner.example"
FALLBACK = {
    "content-security-policy": (
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
    "permissions-policy": PERMISSIONS_POLICY,
}


def documented_config() -> str:
    """The nginx configuration in docs/deploy.md, as a reader would copy it."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text[text.index("## Behind a reverse proxy with TLS") :]
    found = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert found, "no nginx configuration in docs/deploy.md"
    return found.group(1)


def for_the_test(config: str, port: int, upstream: int, scratch: Path) -> str:
    """The documented configuration on a loopback test port instead of TLS on 443."""
    config = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", config, flags=re.S)
    assert "listen 80;" not in config
    config = re.sub(r"listen 443 ssl[^\n]*", f"listen 127.0.0.1:{port};", config)
    config = re.sub(r"\n\s*ssl_certificate(_key)? [^\n]*", "", config)
    config = config.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    config = config.replace("/var/log/nginx/", f"{scratch}/")
    assert f"listen 127.0.0.1:{port};" in config and f":{upstream};" in config
    temp = "\n".join(
        f"    {kind}_temp_path {scratch}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {scratch}/nginx.pid;\nerror_log {scratch}/error.log;\n"
        f"events {{ worker_connections 128; }}\nhttp {{\n{temp}\n    access_log off;\n"
        f"{config}\n}}\n"
    )


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, Path]]:
    """nginx with the documented configuration in front of `screener serve`: both ports."""
    assert Path(NGINX).exists(), (
        f"nginx is missing at {NGINX}: `make test` installs Debian's nginx-light "
        "(or: apt-get install nginx-light, or set SCREENER_NGINX)"
    )
    scratch = tmp_path_factory.mktemp("proxy")
    upstream, port = free_port(), free_port()
    env = {"SCREENER_SECRET_KEY": secrets.token_urlsafe(32), "SCREENER_EMBED_ORIGINS": PARTNER}
    command = [str(BIN / "screener"), "serve", "--workers", "1", "--port", str(upstream)]
    with running(command, upstream, env, log=scratch / "screener.log"):
        conf = scratch / "nginx.conf"
        conf.write_text(for_the_test(documented_config(), port, upstream, scratch))
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(scratch), "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen(
            [NGINX, "-p", str(scratch), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            yield port, upstream, scratch
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            if nginx.stderr:
                nginx.stderr.close()


def exchange(port: int, request: bytes) -> tuple[int, list[tuple[str, str]]]:
    """Send raw bytes; the status and every response header (repeats kept)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = [
        (k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in head[1:])
    ]
    return status, headers


def values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k == name]


def get(path: str, extra: str = "") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: screener.test\r\n{extra}Connection: close\r\n\r\n".encode()
    )


def test_the_fallback_permissions_match_screeners_own() -> None:
    found = re.search(r'\$fallback_permissions \{\n\s+""\s+"([^"]+)";', documented_config())
    assert found, "no fallback Permissions-Policy in docs/deploy.md"
    assert found.group(1) == PERMISSIONS_POLICY


def test_screeners_own_headers_pass_through_once_and_untouched(
    proxy: tuple[int, int, Path],
) -> None:
    port, _, _ = proxy
    status, headers = exchange(port, get("/"))
    assert status == 200
    csp = values(headers, "content-security-policy")
    assert len(csp) == 1 and "'nonce-" in csp[0]
    assert values(headers, "x-frame-options") == ["DENY"]
    assert values(headers, "cache-control") == ["no-store"]
    assert values(headers, "referrer-policy") == ["strict-origin-when-cross-origin"]
    assert not values(headers, "server") or values(headers, "server") == ["nginx"]


def test_embed_pages_keep_their_framing_allowance(proxy: tuple[int, int, Path]) -> None:
    port, _, _ = proxy
    status, headers = exchange(port, get("/embed/"))
    assert status == 200
    assert values(headers, "x-frame-options") == []
    (csp,) = values(headers, "content-security-policy")
    assert f"frame-ancestors {PARTNER}" in csp


def test_cacheable_assets_keep_their_cache_control(proxy: tuple[int, int, Path]) -> None:
    port, _, _ = proxy
    status, headers = exchange(port, get("/embed.js"))
    assert status == 200
    (cache,) = values(headers, "cache-control")
    assert cache.startswith("public")


@pytest.mark.parametrize(
    ("name", "request_bytes", "status"),
    [
        ("not HTTP", b"HELLO THERE\r\n\r\n", 400),
        ("a header over nginx's buffers", get("/", "X-Big: " + "a" * 20000 + "\r\n"), 400),
        (
            "a body over client_max_body_size",
            b"POST /start HTTP/1.1\r\nHost: screener.test\r\nContent-Length: 2000000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n",
            413,
        ),
    ],
)
def test_nginx_own_errors_get_the_security_headers(
    proxy: tuple[int, int, Path], name: str, request_bytes: bytes, status: int
) -> None:
    port, _, _ = proxy
    got, headers = exchange(port, request_bytes)
    assert got == status, name
    for header, value in FALLBACK.items():
        assert values(headers, header) == [value], (name, header, headers)


def test_granians_own_answers_get_them_from_the_proxy(proxy: tuple[int, int, Path]) -> None:
    """More header fields than Granian reads: it answers 431 itself, with none of
    Screener's headers; through the proxy the same answer carries them all."""
    port, upstream, _ = proxy
    many = "".join(f"X-Field-{i}: {i}\r\n" for i in range(150))
    status, headers = exchange(upstream, get("/", many))
    assert status == 431
    assert not values(headers, "content-security-policy")  # the gap the proxy fills
    status, headers = exchange(port, get("/", many))
    assert status == 431
    for header, value in FALLBACK.items():
        assert values(headers, header) == [value], (header, headers)


def test_the_proxy_logs_no_query_string_even_for_what_it_refuses(
    proxy: tuple[int, int, Path],
) -> None:
    port, _, scratch = proxy
    exchange(port, get("/es/?lang=query-sentinel-1"))
    exchange(port, get("/?query-sentinel-2", "X-Big: " + "a" * 20000 + "\r\n"))
    time.sleep(0.3)
    logged = (scratch / "screener.access.log").read_text()
    assert '"GET /es/" 200' in logged and '"GET /" 400' in logged, logged
    assert "sentinel" not in logged
