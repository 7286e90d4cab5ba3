"""Security headers on every route, a fresh CSP nonce on every page, and no weak cookie."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask, redirect, session, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from screener import create_app
from screener.security import (
    MAX_HEADER_BYTES,
    MAX_HEADER_FIELDS,
    MAX_TARGET,
    UNUSED_FEATURES,
    header_size,
    relative_location,
)
from tests.conftest import SECRET

HOST = "https://www.example.org"


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "EMBED_ORIGINS": [HOST],
            "PUBLIC_URL": "https://screener.example.org",  # the FHIR face is on
        }
    )


def policy(response: TestResponse) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    header = response.headers["Content-Security-Policy"]
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def requests(app: Flask, *, every_method: bool = False) -> list[tuple[str, str]]:
    """(method, path) for every route the app has, with its placeholders filled in; with
    ``every_method``, HEAD and OPTIONS too."""
    assets = app.extensions["screener_assets"]
    fill = {
        "<language:lang>": "es",
        "<path:path>": assets.stylesheet.path,
        "<resource_id>": "prostate-massage",
    }
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for placeholder, value in fill.items():
            path = path.replace(placeholder, value)
        path = path.replace("<path:filename>", "screener.css")
        assert "<" not in path, f"no value for a placeholder in {rule.rule}"
        skipped = set() if every_method else {"HEAD", "OPTIONS"}
        for method in sorted((rule.methods or set()) - skipped):
            found.append((method, path))
    return found


def send(client: FlaskClient, method: str, path: str) -> TestResponse:
    if method == "POST" and path.startswith("/api/"):
        return client.post(path, json={"answers": {}})
    return client.open(path, method=method, data={} if method == "POST" else None)


def check_headers(response: TestResponse, path: str, *, secure: bool = False) -> None:
    csp = policy(response)
    embed = path == "/embed" or path.startswith("/embed/")
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


# --------------------------------------------------------------------------- every response

LIMIT = 64 * 1024  # MAX_CONTENT_LENGTH


@pytest.fixture(scope="module")
def strict() -> Flask:
    """The app as production runs it (a failure is a page, not an exception), with
    addresses that fail, for a 500 of each kind."""
    app = create_app({"SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST]})

    def fail() -> str:
        raise ValueError("a failure of the test's own making")

    for prefix in ("", "/embed", "/api/v1"):
        app.add_url_rule(f"{prefix}/test-only-failure", f"test_only_failure{prefix}", fail)
    return app


def chunked(
    client: FlaskClient, method: str, path: str, body: bytes, *, terminated: bool = True
) -> TestResponse:
    """A request whose body comes without a Content-Length, as chunked encoding sends it
    (the server de-chunks it and says the stream ends with it, if ``terminated``)."""
    return client.open(
        path,
        method=method,
        input_stream=io.BytesIO(body),
        content_type="application/json" if path.startswith("/api/") else FORM,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True} if terminated else {},
    )


def with_length(client: FlaskClient, method: str, path: str, body: bytes) -> TestResponse:
    """A request whose body comes with its Content-Length."""
    kind = "application/json" if path.startswith("/api/") else FORM
    return client.open(path, method=method, data=body, content_type=kind)


FORM = "application/x-www-form-urlencoded"


def too_large_body(client: FlaskClient, method: str, path: str) -> TestResponse:
    return with_length(client, method, path, b"x" * (LIMIT + 1))


def too_large_chunked(client: FlaskClient, method: str, path: str) -> TestResponse:
    return chunked(client, method, path, b"x" * (LIMIT + 1))


def too_long_target(client: FlaskClient, method: str, path: str) -> TestResponse:
    return client.open(f"{path}?pad={'x' * 4100}", method=method)


def too_many_headers(client: FlaskClient, method: str, path: str) -> TestResponse:
    return client.open(path, method=method, headers=[(f"X-Pad-{i}", "x") for i in range(101)])


def too_large_headers(client: FlaskClient, method: str, path: str) -> TestResponse:
    return client.open(path, method=method, headers={"X-Pad": "x" * (16 * 1024)})


def page_language(path: str) -> str:
    """The language a page at this address is drawn in (the default one unless the
    address names another)."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["embed"]:
        parts = parts[1:]
    return "es" if parts[:1] == ["es"] else "en-GB"


def says_error(app: Flask, response: TestResponse, method: str, path: str, status: int) -> None:
    """The error as this address gives errors: an OperationOutcome under /api/v1/fhir,
    problem+json elsewhere under /api, else Screener's page for it in the page's
    language; with every security header."""
    assert response.status_code == status, (method, path, response.status_code)
    check_headers(response, path)
    if path.startswith("/api/v1/fhir/"):
        assert response.mimetype == "application/fhir+json", (method, path)
        if method != "HEAD":
            assert response.get_json(force=True)["resourceType"] == "OperationOutcome"
        return
    if path.startswith("/api/"):
        assert response.mimetype == "application/problem+json", (method, path)
        if method != "HEAD":
            assert response.get_json()["status"] == status
        return
    assert response.mimetype == "text/html", (method, path)
    if method == "HEAD":
        return
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    tag = page_language(path)
    offered = {lang.tag: lang for lang in app.extensions["screener_languages"].offered}
    title = offered[tag].catalog.gettext("Too much was sent")
    assert soup.html is not None and soup.html["lang"] == tag, (method, path)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == title, (method, path)


TOO_MUCH = {
    "body with a Content-Length": (too_large_body, 413),
    "chunked body": (too_large_chunked, 413),
    "request target": (too_long_target, 414),
    "header fields": (too_many_headers, 431),
    "header bytes": (too_large_headers, 431),
}


@pytest.mark.parametrize("case", TOO_MUCH)
def test_too_much_of_anything_is_refused_on_every_route(app: Flask, case: str) -> None:
    """Whether or not the route reads a body, looks at its query or at any header: 413,
    414 or 431, before anything else, as problem+json under /api and as Screener's own
    page (in the page's language) everywhere else."""
    send_it, status = TOO_MUCH[case]
    client = app.test_client()
    found = requests(app, every_method=True)
    assert {"GET", "HEAD", "OPTIONS", "POST"} <= {method for method, _ in found}
    for method, path in found:
        says_error(app, send_it(client, method, path), method, path, status)
    nowhere = ("/nowhere", "/es/nowhere", "/embed/es/nowhere", "/api/v1/nowhere")
    for path in (*nowhere, "/api/v1/fhir/Nowhere"):
        says_error(app, send_it(client, "GET", path), "GET", path, status)


def test_bodies_up_to_the_limit_are_read_whole_with_or_without_a_length(app: Flask) -> None:
    """A chunked body is read like any other, to the last byte of the limit."""
    client = app.test_client()
    for send_it in (with_length, chunked):
        # The whole body is read: a token of exactly what fits is refused for being a bad
        # token (400), not for its size, and not cut short.
        body = b"token=" + b"A" * (LIMIT - len("token="))
        assert send_it(client, "POST", "/result", body).status_code == 400
        assert send_it(client, "GET", "/", b"x" * LIMIT).status_code == 200
    first = chunked(client, "POST", "/start", b"")
    assert first.status_code == 200 and b'name="question" value="for_you"' in first.data
    token = BeautifulSoup(first.data, "html.parser").select_one("main input[name=token]")
    assert token is not None
    body = f"token={token['value']}&question=for_you&answer=yes".encode()
    second = chunked(client, "POST", "/answer", body)
    assert second.status_code == 200 and b'name="question" value="cannot_urinate"' in second.data
    answers = json.dumps({"answers": {"for_you": "yes", "cannot_urinate": "yes"}}).encode()
    evaluated = chunked(client, "POST", "/api/v1/evaluate", answers)
    assert evaluated.status_code == 200 and evaluated.get_json()["outcome"]["id"] == "emergency"


class Unreadable(io.BytesIO):
    """A request stream that must not be read: WSGI forbids reading a body of unknown
    length unless the server says the stream ends with it."""

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("a body without a length was read from an open stream")

    readline = read1 = read

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("a body without a length was read from an open stream")


def test_a_body_of_unknown_length_is_never_read_from_an_open_stream(app: Flask) -> None:
    client = app.test_client()
    for method, path in (("GET", "/"), ("POST", "/start"), ("GET", "/healthz")):
        response = client.open(
            path, method=method, input_stream=Unreadable(), headers={"Transfer-Encoding": "chunked"}
        )
        assert response.status_code == 200, path


def test_the_limits_are_exact(app: Flask) -> None:
    """Up to each limit is answered; one more is refused."""
    client = app.test_client()
    # The request target: the path percent-encoded as sent, and the query.
    exact = "/?" + "x" * (MAX_TARGET - 2)
    assert client.get(exact).status_code == 200
    assert client.get(exact + "x").status_code == 414
    encoded = "/" + "%C3%A9" * (MAX_TARGET // 6 + 1)  # under 1,400 bytes decoded
    assert client.get(encoded).status_code == 414
    assert client.get("/" + "%C3%A9" * (MAX_TARGET // 6 - 1)).status_code == 404
    # Header fields and bytes, beside those the test client sends itself.
    probe = client.get("/")
    size, fields = header_size(probe.request.environ)
    extra = [(f"X-{i}", "x") for i in range(MAX_HEADER_FIELDS - fields)]
    assert client.get("/", headers=extra).status_code == 200
    assert client.get("/", headers=[*extra, ("X-One-More", "x")]).status_code == 431
    pad = MAX_HEADER_BYTES - size - len("X-Pad: \r\n")
    assert client.get("/", headers={"X-Pad": "x" * pad}).status_code == 200
    assert client.get("/", headers={"X-Pad": "x" * (pad + 1)}).status_code == 431


def test_every_kind_of_response_carries_every_security_header(app: Flask, strict: Flask) -> None:
    """Pages, errors of every status, redirects, HEAD and OPTIONS: all of them."""
    client, failing = app.test_client(), strict.test_client()
    garbage = {"token": "garbage"}
    cases: list[tuple[str, int, TestResponse]] = [
        ("/", 200, client.get("/")),
        ("/es", 308, client.get("/es")),
        ("/embed", 308, client.get("/embed")),
        ("/finish", 303, client.get("/finish")),
        ("/embed/finish", 303, client.get("/embed/finish")),
        ("/result", 400, client.post("/result", data=garbage)),
        ("/embed/es/result", 400, client.post("/embed/es/result", data=garbage)),
        ("/api/v1/evaluate", 400, client.post("/api/v1/evaluate", data="{", content_type=JSON)),
        ("/api/v1/questionnaire", 400, client.get("/api/v1/questionnaire?lang=en")),
        ("/answer", 403, client.post("/answer", headers={"Sec-Fetch-Site": "cross-site"})),
        ("/nowhere", 404, client.get("/nowhere")),
        ("/embed/nowhere", 404, client.get("/embed/nowhere")),
        ("/api/v1/nowhere", 404, client.get("/api/v1/nowhere")),
        ("/answer", 405, client.get("/answer")),
        ("/embed/answer", 405, client.put("/embed/answer")),
        ("/api/v1/evaluate", 405, client.get("/api/v1/evaluate")),
        ("/answer", 413, too_large_body(client, "POST", "/answer")),
        ("/embed/answer", 413, too_large_chunked(client, "POST", "/embed/answer")),
        ("/api/v1/evaluate", 413, too_large_chunked(client, "POST", "/api/v1/evaluate")),
        ("/", 414, too_long_target(client, "GET", "/")),
        ("/embed/", 414, too_long_target(client, "GET", "/embed/")),
        ("/api/v1/questionnaire", 414, too_long_target(client, "GET", "/api/v1/questionnaire")),
        ("/", 431, too_many_headers(client, "GET", "/")),
        ("/embed/", 431, too_large_headers(client, "GET", "/embed/")),
        ("/api/v1/evaluate", 431, too_many_headers(client, "POST", "/api/v1/evaluate")),
        ("/test-only-failure", 500, failing.get("/test-only-failure")),
        ("/embed/test-only-failure", 500, failing.get("/embed/test-only-failure")),
        ("/api/v1/test-only-failure", 500, failing.get("/api/v1/test-only-failure")),
        ("/", 200, client.head("/")),
        ("/embed/es/", 200, client.head("/embed/es/")),
        ("/api/v1/questionnaire", 200, client.head("/api/v1/questionnaire")),
        ("/nowhere", 404, client.head("/nowhere")),
        ("/", 200, client.options("/")),
        ("/answer", 200, client.options("/answer")),
        ("/embed/answer", 200, client.options("/embed/answer")),
        ("/api/v1/evaluate", 200, client.options("/api/v1/evaluate")),
    ]
    for path, status, response in cases:
        assert response.status_code == status, (path, response.status_code)
        check_headers(response, path)
        embed = path == "/embed" or path.startswith("/embed/")
        assert ("X-Frame-Options" in response.headers) is not embed, path
        assert response.headers["Cache-Control"] == "no-store", path
    statuses = {200, 303, 308, 400, 403, 404, 405, 413, 414, 431, 500}
    assert {status for _, status, _ in cases} == statuses


JSON = "application/json"


# --------------------------------------------------------------------------- redirects

HOSTILE_HOSTS: list[dict[str, str]] = [
    {"Host": "evil.example"},
    {"Host": "evil.example:8443"},
    {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"},
]


def redirecting(app: Flask) -> list[tuple[str, str, str]]:
    """(method, address, where it leads) for every redirect Screener sends: each address
    with a trailing slash asked for without it (or with it doubled), and Finish."""
    found = []
    for method, path in requests(app, every_method=True):
        if method not in ("GET", "HEAD"):
            continue
        if path.endswith("/") and path != "/":
            found += [(method, path.rstrip("/"), path), (method, path + "/", path)]
        if path.endswith("/finish"):
            found.append((method, path, "/embed/" if path.startswith("/embed/") else "/"))
    return found


def test_every_redirect_is_relative_whatever_the_host(app: Flask) -> None:
    """Never a Location built from the request's Host (or a proxy's header): a hostile
    Host would make Screener send people to another site."""
    client = app.test_client()
    found = redirecting(app)
    assert ("GET", "/es", "/es/") in found and ("GET", "/embed", "/embed/") in found
    assert ("HEAD", "/embed/en-GB", "/embed/en-GB/") not in found  # requests() uses "es"
    for method, path, target in found:
        for headers in HOSTILE_HOSTS:
            for base in ("http://localhost", "https://evil.example"):
                response = client.open(path, method=method, headers=headers, base_url=base)
                assert 300 <= response.status_code < 400, (method, path)
                assert response.headers["Location"] == target, (method, path, headers)
                check_headers(response, path, secure=base.startswith("https"))
                everything = str(response.headers) + response.get_data(as_text=True)
                assert "evil" not in everything, (method, path, headers)


def test_the_english_addresses_redirect_the_same(app: Flask) -> None:
    client = app.test_client()
    for path in ("/en-GB", "/embed/en-GB", "/es", "/embed/es", "/embed"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert (response.status_code, response.headers["Location"]) == (308, path + "/")


def test_a_redirect_that_names_a_host_loses_it() -> None:
    """However a redirect is made (url_for(_external=True), an absolute address), it
    leaves Screener without a host, and never as "//host"."""
    app = create_app({"SECRET_KEY": SECRET})

    @app.get("/test-only-external")
    def _external() -> Any:
        return redirect(url_for("screening.start", _external=True))

    @app.get("/test-only-elsewhere")
    def _elsewhere() -> Any:
        return redirect("https://evil.example//evil.example/x?y=1#z", code=302)

    client = app.test_client()
    external = client.get("/test-only-external", headers={"Host": "evil.example"})
    assert external.headers["Location"] == "/"
    elsewhere = client.get("/test-only-elsewhere")
    assert elsewhere.headers["Location"] == "/evil.example/x?y=1#z"


@pytest.mark.parametrize(
    ("location", "relative"),
    [
        ("/es/", "/es/"),
        ("http://evil.example/es/", "/es/"),
        ("https://evil.example:8443/embed/?host=x#top", "/embed/?host=x#top"),
        ("//evil.example/es/", "/es/"),
        ("///evil.example", "/evil.example"),
        ("/\\evil.example", "/evil.example"),
        ("https://evil.example", "/"),
        ("", "/"),
    ],
)
def test_relative_location(location: str, relative: str) -> None:
    assert relative_location(location) == relative
