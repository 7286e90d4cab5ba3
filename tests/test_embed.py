"""Embed pages on the server side: framing headers, minimal chrome (what stays: the
emergency line, "not a diagnosis", the review status), the host origin, the loader."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from screener import create_app
from screener.ruleset import Ruleset
from tests import pseudo
from tests.conftest import OUTCOME_ANSWERS, SECRET, Browser, check_page

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
    assert soup.find("header") is None and soup.select_one(".brand") is None
    assert soup.find("footer")["class"] == ["site-footer", "site-footer--embed"]
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


@pytest.mark.parametrize("outcome", OUTCOME_ANSWERS)
def test_result_carries_only_the_outcome_tier_for_the_host(
    client: FlaskClient, ruleset: Ruleset, outcome: str
) -> None:
    browser = Browser(client)
    browser.get(f"/embed/?host={HOST}").press("Start").answer_all(OUTCOME_ANSWERS[outcome])
    browser.press("See my result")
    assert browser.soup is not None
    found = browser.soup.select_one("[data-screener-outcome]")
    assert {k: v for k, v in found.attrs.items() if k.startswith("data-")} == {
        "data-screener-outcome": outcome,
        "data-screener-severity": str(ruleset.outcome_by_id[outcome].severity),
        "data-screener-version": "2.0.0",
    }
    assert len(browser.soup.select("[data-screener-outcome]")) == 1
    assert not browser.soup.select("[data-screener-outside]")
    again = browser.soup.find("a", string="Start again")
    assert again["href"] == "/embed/?host=https://health.example.org"


def test_the_outside_page_tells_the_host_nothing(client: FlaskClient) -> None:
    """Being outside the scope (under 18, say) is itself an answer: no event carries it."""
    browser = Browser(client)
    browser.get(f"/embed/?host={HOST}").press("Start").choose("no")
    assert browser.soup is not None and browser.soup.select(".outside")
    screener_data = [
        name
        for tag in browser.soup.find_all(True)
        for name in tag.attrs
        if name.startswith("data-screener")
    ]
    assert screener_data == []
    assert not browser.soup.select(".outcome")
    assert browser.soup.find("script")["src"].startswith("/assets/embed-frame-")
    for form in browser.soup.select("form"):
        assert form["action"].startswith("/embed/")
        assert form.find("input", attrs={"name": "host"})["value"] == HOST
    again = browser.soup.find("a", string="Start again")
    assert again["href"] == f"/embed/?host={HOST}"
    browser.press("Change your answer")
    assert browser.question_id() == "for_you"


@pytest.mark.parametrize("page", ["start", "question", "check", "outside", "result", "expired"])
def test_embedded_pages_keep_the_safety_lines_and_the_review_status(
    client: FlaskClient, page: str
) -> None:
    """The frame drops Screener's header, never what a person must read: what to do in an
    emergency, that this is not a diagnosis, and that the rules are a draft."""
    from tests.conftest import shown_rules

    browser = Browser(client)
    browser.get(f"/embed/?host={HOST}")
    if page != "start":
        browser.press("Start")
    if page in ("check", "result"):
        browser.answer_all({})
    if page == "outside":
        browser.choose("unsure")
    if page == "result":
        browser.press("See my result")
    if page == "expired":
        browser._load(client.post("/embed/result", data={"token": "bad", "host": HOST}))
    assert browser.soup is not None
    assert browser.soup.find("html")["data-embed-host"] == HOST
    emergency = shown_rules(client.application, "/embed/").emergency
    assert emergency and browser.text.count(emergency) == 1
    footer = browser.soup.find("footer")
    assert footer is not None
    said = footer.get_text(" ", strip=True)
    assert "not a diagnosis" in said and "2.0.0" not in said
    # The draft notice, once (a result prints it), and the version only in a result's
    # small print.
    notices = [n.get_text(" ", strip=True) for n in browser.soup.select(".review-notice")]
    assert notices == [
        "Draft : These questions and this advice have not yet been checked by a clinician."
    ]
    if page == "result":
        meta = browser.soup.select_one("main .meta").get_text(" ", strip=True)
        assert "2.0.0" in meta and "checked by a clinician" not in meta


def test_embedded_pages_in_a_translation_say_it_is_unchecked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A translation no clinician has checked says so in the frame too (in its language)."""
    catalogs = pseudo.write_catalog(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "EMBED_ORIGINS": [HOST],
            "TRANSLATIONS": [str(catalogs)],
        }
    )
    browser = Browser(app.test_client(), lang="he", direction="rtl")
    notice = pseudo.pseudo("This translation has not yet been checked by a clinician.")
    browser.get(f"/embed/he/?host={HOST}")
    assert browser.soup is not None
    assert browser.text.count(notice) == 1
    assert notice in browser.soup.select_one(".review-notice").get_text(" ", strip=True)
    browser.submit("/start")
    assert browser.text.count(notice) == 1
    browser.answer_values({}).submit("/result")
    assert browser.soup.select(".outcome--info")
    assert browser.text.count(notice) == 1


def test_the_loader(client: FlaskClient) -> None:
    with client.get("/embed.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        body = response.get_data(as_text=True)
    assert "screener:complete" in body and "event.origin !== origin" in body
    assert "screener:outside" not in body
    assert "'*'" not in body and '"*"' not in body, "never a wildcard target origin"
    frame = (client.application.static_folder or "") + "/embed-frame.js"
    with open(frame, encoding="utf-8") as f:
        script = f.read()
    assert "postMessage(message, host)" in script
    assert "screener:outside" not in script, "the outside page posts nothing to the host"


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
