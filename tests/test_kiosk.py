"""Kiosk mode on the server side: settings, the finish action, the staff panel and the
outcomes' kiosk lines, the outside page, health."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from screener import create_app
from screener.config import ConfigError, from_environ
from tests.conftest import OUTCOME_ANSWERS, SECRET, Browser, check_page


@pytest.fixture
def kiosk() -> Browser:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "KIOSK": True})
    return Browser(app.test_client())


def test_kiosk_settings() -> None:
    assert from_environ({"SCREENER_KIOSK": "1", "SCREENER_KIOSK_IDLE": "45"}) == {
        "KIOSK": True,
        "KIOSK_IDLE": 45,
    }
    with pytest.raises(ConfigError, match="SCREENER_KIOSK_COUNTDOWN: must be at least 20 seconds"):
        from_environ({"SCREENER_KIOSK_COUNTDOWN": "10"})
    with pytest.raises(ConfigError, match="SCREENER_KIOSK: must be 1 or 0"):
        from_environ({"SCREENER_KIOSK": "maybe"})


def test_kiosk_tokens_live_15_minutes_unless_set() -> None:
    assert (
        create_app({"TESTING": True, "SECRET_KEY": "k", "KIOSK": True}).config["ANSWERS_TTL"] == 900
    )
    assert create_app({"TESTING": True, "SECRET_KEY": "k"}).config["ANSWERS_TTL"] == 1800
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "KIOSK": True, "ANSWERS_TTL": 300})
    assert app.extensions["screener"].tokens.ttl_seconds == 300


def test_kiosk_pages_carry_the_script_and_the_dialog(kiosk: Browser) -> None:
    kiosk.get("/")
    assert kiosk.soup is not None
    html = kiosk.soup.find("html")
    assert "kiosk" in html["class"] and html["data-kiosk-finish"] == "/finish"
    script = kiosk.soup.find("script")
    assert script["src"].startswith("/assets/kiosk-") and script.has_attr("defer")
    body = kiosk.soup.find("body")
    assert body["data-kiosk-idle"] == "90" and body["data-kiosk-countdown"] == "30"
    dialog = kiosk.soup.find("dialog")
    assert dialog["aria-labelledby"] == "kiosk-timeout-title"
    assert dialog["aria-describedby"] == "kiosk-timeout-text"
    buttons = dialog.find_all("button")
    assert [(b.get_text(strip=True), b["type"]) for b in buttons] == [
        ("I need more time", "button"),
        ("Finish now", "button"),
    ], "side by side, more time first"
    assert buttons[0].has_attr("data-kiosk-extend") and buttons[1].has_attr("data-kiosk-finish-now")
    with kiosk.client.get(script["src"]) as js:
        assert js.status_code == 200 and js.mimetype == "text/javascript"
        code = js.get_data(as_text=True)
    assert "screener:page" in code and "data-kiosk-finish-now" in code, "shared part, then kiosk's"
    css = kiosk.soup.find("link", rel="stylesheet")["href"]
    with kiosk.client.get(css) as styles:
        assert ".kiosk-dialog__actions{" in styles.get_data(as_text=True)


def test_the_dialog_is_translated() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "KIOSK": True})
    kiosk = Browser(app.test_client(), lang="es")
    kiosk.get("/es/")
    assert kiosk.soup is not None
    dialog = kiosk.soup.find("dialog")
    assert dialog.find("h2").get_text(strip=True) == "¿Necesita más tiempo?"
    assert [b.get_text(strip=True) for b in dialog.find_all("button")] == [
        "Necesito más tiempo",
        "Terminar ahora",
    ]


def test_pages_outside_kiosk_mode_have_no_kiosk_script_styles_or_dialog(browser: Browser) -> None:
    browser.get("/")
    assert browser.soup is not None
    assert browser.soup.find("dialog") is None
    html = browser.soup.find("html")
    assert not html.has_attr("class") and html["data-start"] == "/"
    scripts = browser.soup.find_all("script")
    assert len(scripts) == 1 and scripts[0]["src"].startswith("/assets/screener-")
    with browser.client.get(scripts[0]["src"]) as js:
        code = js.get_data(as_text=True)
    assert "screener:page" in code and "kiosk-timeout" not in code
    with browser.client.get(browser.soup.find("link", rel="stylesheet")["href"]) as styles:
        assert ".kiosk" not in styles.get_data(as_text=True)


@pytest.mark.parametrize(
    ("outcome", "show_staff"),
    [("emergency", True), ("urgent", True), ("clinician", True), ("info", False)],
)
def test_result_says_first_what_to_do_with_the_staff_at_hand(
    kiosk: Browser, outcome: str, show_staff: bool
) -> None:
    from tests.conftest import shown_rules

    line = shown_rules(kiosk.client.application).outcome_by_id[outcome].kiosk
    if outcome in ("emergency", "urgent"):
        assert line is not None and line.startswith("Tell a member of staff now")
    if outcome == "info":
        assert line is None
    kiosk.get("/").press("Start").answer_all(OUTCOME_ANSWERS[outcome]).press("See my result")
    assert kiosk.soup is not None
    assert kiosk.soup.select(f".outcome--{outcome}")
    panel = kiosk.soup.select_one(".staff-panel")
    assert (panel is not None) is (line is not None or show_staff)
    assert ("Please show this screen to a member of staff" in kiosk.text) is show_staff
    if panel is not None:
        main = kiosk.soup.find("main")
        assert main.find_all(["p", "h1"])[0].find_parent(class_="staff-panel") is panel, (
            "the panel comes first"
        )
        first = panel.find("p")
        assert first["class"] == ["staff-panel__title"] and first.has_attr("data-kiosk-focus")
        assert len(kiosk.soup.select("[data-kiosk-focus]")) == 1
        assert first.get_text(strip=True) == (
            line or "Please show this screen to a member of staff"
        )
    if outcome in ("emergency", "urgent"):
        assert "Tell a member of staff now" in panel.get_text()
        assert panel["class"] == ["staff-panel", f"staff-panel--{outcome}"]
    assert kiosk.soup.find("body")["data-kiosk-idle"] == "180", "longer on the result page"
    finish = kiosk.soup.find("a", string="Finish")
    assert finish is not None and finish["href"] == "/finish"
    assert kiosk.soup.find("a", string="Start again") is None


def test_kiosk_lines_are_only_for_the_kiosk(browser: Browser) -> None:
    browser.get("/").press("Start").answer_all(OUTCOME_ANSWERS["emergency"])
    browser.press("See my result")
    assert browser.soup is not None and not browser.soup.select(".staff-panel")
    assert "member of staff" not in browser.text


def test_the_outside_page_is_private_and_finishes_like_a_result(kiosk: Browser) -> None:
    kiosk.get("/").press("Start").choose("no")
    assert kiosk.soup is not None
    body = kiosk.soup.find("body")
    assert body.has_attr("data-kiosk-private"), "it clears itself after the idle time"
    assert body["data-kiosk-idle"] == "180"
    finish = kiosk.soup.find("a", string="Finish")
    assert finish is not None and finish["href"] == "/finish"
    assert kiosk.soup.find("a", string="Start again") is None
    assert not kiosk.soup.select(".staff-panel, .outcome")
    kiosk.press("Change your answer")
    assert kiosk.question_id() == "for_you"


def test_finish_clears_the_site_and_starts_again(client: FlaskClient) -> None:
    response = client.get("/finish")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    ruleset = client.application.extensions["screener"].ruleset
    assert response.get_json() == {
        "status": "ok",
        "kiosk": False,
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256},
    }


def test_kiosk_answer_pages_are_not_stored(kiosk: Browser) -> None:
    kiosk.get("/").press("Start")
    assert kiosk.response is not None
    assert kiosk.response.headers["Cache-Control"] == "no-store"
    check_page(kiosk.response)
