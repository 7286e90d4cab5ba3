"""Security headers on every route, a fresh CSP nonce on every page, and no weak cookie."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import Flask, session
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from screener import create_app
from screener.security import UNUSED_FEATURES
from tests.conftest import SECRET

HOST = "https://www.example.org"


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST]})


def policy(response: TestResponse) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    header = response.headers["Content-Security-Policy"]
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def requests(app: Flask) -> list[tuple[str, str]]:
    """(method, path) for every route the app has, with its placeholders filled in."""
    assets = app.extensions["screener_assets"]
    fill = {"<language:lang>": "es", "<path:path>": assets.stylesheet.path}
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for placeholder, value in fill.items():
            path = path.replace(placeholder, value)
        path = path.replace("<path:filename>", "screener.css")
        assert "<" not in path, f"no value for a placeholder in {rule.rule}"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def send(client: FlaskClient, method: str, path: str) -> TestResponse:
    if method == "POST" and path.startswith("/api/"):
        return client.post(path, json={"answers": {}})
    return client.open(path, method=method, data={} if method == "POST" else None)


def check_headers(response: TestResponse, path: str, *, secure: bool = False) -> None:
    csp = policy(response)
    embed = path.startswith("/embed/")
    assert csp["default-src"] == ["'none'"]
    nonce = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    assert len(nonce) == 1 and len(nonce[0]) >= len("'nonce-'") + 22, "a long random nonce"
    assert csp["style-src"] == nonce
    for directive in csp.values():
        assert "'unsafe-inline'" not in directive and "'unsafe-eval'" not in directive
        assert "*" not in directive and "http:" not in directive and "https:" not in directive
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ([HOST] if embed else ["'none'"])
    if not embed:
        assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    denied = response.headers["Permissions-Policy"].split(", ")
    assert denied == [f"{feature}=()" for feature in UNUSED_FEATURES]
    assert {"camera=()", "microphone=()", "geolocation=()"} <= set(denied)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if secure:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    else:
        assert "Strict-Transport-Security" not in response.headers
    assert "Set-Cookie" not in response.headers, "Screener sets no cookie"
    cacheable = path.startswith(("/assets/", "/static/")) or path == "/embed.js"
    if not cacheable:
        assert response.headers["Cache-Control"] == "no-store"
    if response.mimetype == "text/html":
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        value = nonce[0].removeprefix("'nonce-").removesuffix("'")
        for tag in soup.find_all(["script", "link", "style"]):
            if tag.name == "link" and "stylesheet" not in (tag.get("rel") or []):
                continue
            assert tag.name != "style" and tag.get("nonce") == value, str(tag)
            assert tag.get("src") or tag.get("href"), "no inline code"
        assert not soup.select("[style]"), "no style attributes"
        assert not re.search(r"\son[a-z]+=", response.get_data(as_text=True)), "no event handlers"


def test_the_route_list_covers_every_kind_of_route(app: Flask) -> None:
    found = requests(app)
    assert len(found) >= 50
    assert ("GET", "/es/") in found and ("POST", "/embed/es/answer") in found
    assert ("POST", "/api/v1/evaluate") in found and ("GET", "/embed.js") in found


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_every_route_sends_the_security_headers(app: Flask, secure: bool) -> None:
    client = app.test_client()
    base = "https://localhost" if secure else "http://localhost"
    for method, path in requests(app):
        response = client.open(
            path,
            method=method,
            base_url=base,
            data={} if method == "POST" and not path.startswith("/api/") else None,
            json={"answers": {}} if method == "POST" and path.startswith("/api/") else None,
        )
        assert response.status_code < 500, (method, path)
        check_headers(response, path, secure=secure)
        response.close()


def test_error_pages_send_them_too(app: Flask, client: FlaskClient) -> None:
    for response, path in (
        (client.get("/nowhere"), "/nowhere"),
        (client.get("/answer"), "/answer"),
        (client.post("/answer", data={"token": "x" * 100_000}), "/answer"),
        (client.post("/embed/answer", data={"token": "bad", "host": HOST}), "/embed/answer"),
        (client.delete("/api/v1/evaluate"), "/api/v1/evaluate"),
    ):
        assert response.status_code in (400, 404, 405, 413)
        check_headers(response, path)


def test_pages_with_answers_send_them(client: FlaskClient) -> None:
    from tests.conftest import Browser

    page = Browser(client).get("/").submit("/start")
    assert page.response is not None
    check_headers(page.response, "/start")
    page.answer_values({})
    check_headers(page.response, "/answer")
    page.submit("/result")
    check_headers(page.response, "/result")
    outside = Browser(client).get("/").submit("/start").answer_values({"for_you": "no"})
    assert outside.soup is not None and outside.soup.select(".outside")
    assert outside.response is not None
    check_headers(outside.response, "/answer")


def test_every_page_gets_its_own_nonce(client: FlaskClient) -> None:
    nonces = {policy(client.get("/"))["script-src"][0] for _ in range(20)}
    assert len(nonces) == 20


def test_kiosk_and_embed_scripts_carry_the_nonce() -> None:
    kiosk = create_app({"SECRET_KEY": SECRET, "KIOSK": True, "EMBED_ORIGINS": [HOST]})
    client = kiosk.test_client()
    for path in ("/", f"/embed/?host={HOST}"):
        response = client.get(path)
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        scripts = soup.find_all("script")
        assert scripts, path
        value = policy(response)["script-src"][0].removeprefix("'nonce-").removesuffix("'")
        assert all(s["nonce"] == value for s in scripts)


def test_the_loader_may_be_included_by_other_sites(client: FlaskClient) -> None:
    response = client.get("/embed.js")
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert client.get("/").headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_nothing_can_be_put_in_a_session() -> None:
    app = create_app({"SECRET_KEY": SECRET})

    @app.get("/test-only-session")
    def _writes_a_session() -> str:
        session["x"] = "1"
        return "ok"

    with app.test_request_context("/"):
        assert not session and session.get("x") is None
        with pytest.raises(RuntimeError, match="Screener keeps no session"):
            session["x"] = "1"
        this = session._get_current_object()  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="Screener keeps no session"):
            this |= {"x": "1"}
        with pytest.raises(RuntimeError, match="Screener keeps no session"):
            session.update(x="1")
        assert not session
    response = app.test_client().get("/test-only-session", base_url="https://localhost")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers


def test_a_cookie_would_be_host_only_secure_http_only_and_strict() -> None:
    """Should a future change bring Flask's cookie session back, its cookie is locked down."""
    from flask.sessions import SecureCookieSessionInterface

    app = create_app({"SECRET_KEY": SECRET})
    app.session_interface = SecureCookieSessionInterface()

    @app.get("/test-only-session")
    def _writes_a_session() -> str:
        session["x"] = "1"
        return "ok"

    cookie = app.test_client().get("/test-only-session", base_url="https://localhost")
    header = cookie.headers["Set-Cookie"]
    assert header.startswith("__Host-screener=")
    for part in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert part in header
    assert "Domain=" not in header


def test_bodies_are_limited(app: Flask, client: FlaskClient) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    response = client.post("/answer", data={"token": "x" * (65 * 1024)})
    assert response.status_code == 413


def test_frames_are_refused_by_both_headers_unless_a_host_may_embed() -> None:
    listed = create_app({"SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST]}).test_client()
    unlisted = create_app({"SECRET_KEY": SECRET}).test_client()
    assert "X-Frame-Options" not in listed.get("/embed/").headers
    assert unlisted.get("/embed/").headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in unlisted.get("/embed/").headers["Content-Security-Policy"]


def test_a_missing_asset_is_not_cached(client: FlaskClient) -> None:
    missing = client.get("/assets/screener-000000000000.css")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
    found = client.get("/embed.js")
    assert "no-store" not in found.headers["Cache-Control"]


def test_a_failure_after_the_page_logs_where_not_what(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app({"SECRET_KEY": SECRET})

    @app.after_request
    def _fails(response: object) -> object:
        raise ValueError("severe_pain=yes for the person at the front desk")

    with caplog.at_level("ERROR"):
        response = app.test_client().get("/")
    assert response.status_code == 500
    assert "unhandled ValueError on GET / at" in caplog.text
    assert "severe_pain" not in caplog.text and "Traceback" not in caplog.text
