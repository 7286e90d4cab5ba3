"""Embed pages on the server side: framing headers, minimal chrome, the host origin, the loader."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from screener import create_app
from tests.conftest import SECRET, check_page

HOST = "https://health.example.org"


@pytest.fixture
def client() -> FlaskClient:
    return create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST]}
    ).test_client()


def ancestors(response: object) -> str:
    csp = response.headers["Content-Security-Policy"]  # type: ignore[attr-defined]
    return csp.split("frame-ancestors ", 1)[1]


def test_only_embed_pages_may_be_framed_and_only_by_the_allow_list(client: FlaskClient) -> None:
    assert ancestors(client.get(f"/embed/?host={HOST}")) == HOST
    assert ancestors(client.post("/embed/start", data={"host": HOST})) == HOST
    assert ancestors(client.get("/embed/missing")) == HOST
    for path in ("/", "/api/v1/questionnaire", "/healthz"):
        assert ancestors(client.get(path)) == "'none'", path
    assert ancestors(client.post("/start")) == "'none'"


def test_without_an_allow_list_nothing_may_frame_screener() -> None:
    client = create_app({"TESTING": True, "SECRET_KEY": SECRET}).test_client()
    assert ancestors(client.get("/embed/")) == "'none'"


def test_embed_pages_have_no_site_chrome_and_stay_in_the_embed(client: FlaskClient) -> None:
    soup = check_page(client.get(f"/embed/?host={HOST}"))
    assert soup.find("header") is None and soup.find("footer") is None
    assert soup.find("html")["data-embed-host"] == HOST
    form = soup.find("form")
    assert form["action"] == "/embed/start"
    assert form.find("input", attrs={"name": "host"})["value"] == HOST
    soup = check_page(client.post("/embed/start", data={"host": HOST}))
    assert soup.select_one("main form")["action"] == "/embed/answer"
    assert len(soup.select("input[name=host]")) == 2, "the Back form and the answer form"
    script = soup.find("script")
    assert script["src"].startswith("/assets/embed-frame-")


def test_a_host_not_on_the_list_gets_no_messages(client: FlaskClient) -> None:
    soup = check_page(client.get("/embed/?host=https://evil.example"))
    assert not soup.find("html").has_attr("data-embed-host")
    assert soup.find("script") is None and not soup.select("input[name=host]")


def test_result_carries_only_the_outcome_tier_for_the_host(client: FlaskClient) -> None:
    from tests.conftest import Browser

    browser = Browser(client)
    browser.get(f"/embed/?host={HOST}").press("Start").answer_all({"prostate_cancer": "yes"})
    browser.press("See my result")
    assert browser.soup is not None
    outcome = browser.soup.select_one("[data-screener-outcome]")
    assert {k: v for k, v in outcome.attrs.items() if k.startswith("data-")} == {
        "data-screener-outcome": "clinician",
        "data-screener-severity": "2",
        "data-screener-version": "1.1.0",
    }
    again = browser.soup.find("a", string="Start again")
    assert again["href"] == "/embed/?host=https://health.example.org"


def test_the_loader(client: FlaskClient) -> None:
    with client.get("/embed.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        body = response.get_data(as_text=True)
    assert "screener:complete" in body and "event.origin !== origin" in body
    assert "'*'" not in body and '"*"' not in body, "never a wildcard target origin"
    frame = (client.application.static_folder or "") + "/embed-frame.js"
    with open(frame, encoding="utf-8") as f:
        assert "postMessage(message, host)" in f.read()


def test_oversized_post_to_an_embed_page_is_a_clean_413(client: FlaskClient) -> None:
    response = client.post(f"/embed/start?host={HOST}", data={"token": "x" * 70_000})
    assert response.status_code == 413
    soup = check_page(response)
    assert "Too much was sent" in soup.get_text()


def test_error_pages_keep_the_host_for_start_again(client: FlaskClient) -> None:
    response = client.post("/embed/result", data={"token": "bad", "host": HOST})
    assert response.status_code == 400
    again = check_page(response).find("a", string="Start again")
    assert again["href"] == f"/embed/?host={HOST}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Health.Example.org", ["https://health.example.org"]),
        ("https://a.example:443, http://b.example:80/", ["https://a.example", "http://b.example"]),
        ("http://localhost:8080", ["http://localhost:8080"]),
    ],
)
def test_allow_list_is_written_as_browsers_write_origins(given: str, expected: list[str]) -> None:
    from screener.config import from_environ

    assert from_environ({"SCREENER_EMBED_ORIGINS": given})["EMBED_ORIGINS"] == expected


@pytest.mark.parametrize(
    "given",
    [
        "https://*.example.org",
        "https://a.example;script-src *",
        "https://u@a.example",
        "ftp://a.example",
        "https://a.example/path",
        "a.example",
        "https://a.example:99999",
    ],
)
def test_allow_list_refuses_what_is_not_an_origin(given: str) -> None:
    from screener.config import ConfigError, from_environ

    with pytest.raises(ConfigError, match="is not an origin"):
        from_environ({"SCREENER_EMBED_ORIGINS": given})
