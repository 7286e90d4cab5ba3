"""The self-screening flow through the Flask test client, as a person without JavaScript uses it."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from screener.ruleset import Ruleset
from tests.conftest import Browser, check_page

OUTCOME_TITLES = (
    "Get medical help promptly",
    "See a clinician before you try it",
    "General safety information",
)


def start(browser: Browser) -> Browser:
    return browser.get("/").press("Start")


# --------------------------------------------------------------------------- the pages


def test_start_page_says_what_this_is(browser: Browser, ruleset: Ruleset) -> None:
    browser.get("/")
    assert browser.status == 200
    assert browser.h1 == ruleset.title
    text = browser.text
    assert "not a diagnosis" in text
    assert "not a substitute for a doctor or nurse" in text
    assert "Nothing you enter is stored" in text
    assert "emergency" in text
    assert browser.soup is not None
    assert browser.soup.find("a", class_="skip-link")["href"] == "#main"


def test_first_question_is_a_red_flag_with_three_unselected_answers(browser: Browser) -> None:
    start(browser)
    assert browser.question_id() == "fever"
    assert browser.h1.startswith("Do you have a fever")
    assert browser.soup is not None
    legend = browser.soup.find("legend")
    assert legend is not None and legend.find("h1") is not None
    radios = browser.soup.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["yes", "no", "unsure"]
    assert not any(r.has_attr("checked") for r in radios)
    labels = [lab.get_text(strip=True) for lab in browser.soup.find_all("label")]
    assert labels == ["Yes", "No", "Not sure"]
    hint = browser.soup.find(class_="hint")
    assert hint is not None and browser.soup.find("fieldset")["aria-describedby"] == hint["id"]
    assert any(b.get_text(strip=True) == "Back" for b in browser.soup.find_all("button"))


@pytest.mark.parametrize(
    ("answers", "outcome", "reason"),
    [
        ({}, "General safety information", None),
        (
            {"prostate_cancer": "yes"},
            "See a clinician before you try it",
            "You told us you have been told you have prostate cancer",
        ),
        (
            {"bleeding_risk": "unsure"},
            "See a clinician before you try it",
            "You told us you take medicine that thins your blood",
        ),
        ({"severe_pain": "yes"}, "Get medical help promptly", "You told us you have severe pain"),
        (
            {"fever": "yes", "fever_very_unwell": "unsure"},
            "Get medical help promptly",
            "You told us you have a fever or chills and feel very unwell",
        ),
        (
            {"rectal_bleeding": "yes", "heavy_rectal_bleeding": "yes"},
            "Get medical help promptly",
            "You told us the bleeding from your bottom is heavy",
        ),
    ],
)
def test_whole_flow_to_each_outcome(
    browser: Browser, ruleset: Ruleset, answers: dict[str, str], outcome: str, reason: str | None
) -> None:
    start(browser).answer_all(answers)
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.status == 200
    assert browser.h1 == outcome
    assert browser.title.startswith(outcome)
    text = browser.text
    if reason:
        assert reason in text
        assert "Why we are suggesting this" in text
    else:
        assert "Why we are suggesting this" not in text
    assert "What to do next" in text or "Staying safe" in text
    assert f"{ruleset.id} version {ruleset.version}" in text
    assert ruleset.short_hash in text
    assert browser.soup is not None
    when = browser.soup.find("time")
    assert when is not None and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", when["datetime"])
    again = browser.soup.find("a", string="Start again")
    assert again is not None and again["href"] == "/"
    assert not browser.soup.select("input[name=token]"), "the result page keeps no answers token"


def test_general_information_covers_the_article_safety_advice(browser: Browser) -> None:
    start(browser).answer_all({}).press("See my result")
    text = browser.text
    for advice in (
        "water-based lubricant",
        "wash your hands",
        "gently",
        "never use force",
        "stop if it hurts",
        "get medical help promptly",
    ):
        assert advice in text


def test_check_page_lists_every_answer_with_a_change_button(browser: Browser) -> None:
    start(browser).answer_all(
        {"fever": "yes", "fever_very_unwell": "no", "weak_immunity": "unsure"}
    )
    assert browser.h1 == "Check your answers"
    assert browser.soup is not None
    rows = browser.soup.select(".summary__row")
    assert len(rows) == 14, "13 questions and the fever follow-up"
    answers = {
        r.dt.get_text(strip=True): r.select_one(".summary__answer").get_text(strip=True)
        for r in rows
    }
    assert answers["Is your immune system weakened by an illness or a treatment?"] == "Not sure"
    assert answers["Do you also feel very unwell right now?"] == "No"
    changes = [b for b in browser.soup.find_all("button") if b.get_text().startswith("Change")]
    assert len(changes) == 14
    assert all(b.find(class_="visually-hidden") for b in changes)


def test_changing_an_answer_returns_to_check_and_changes_the_result(browser: Browser) -> None:
    start(browser).answer_all({})
    browser.press("Change", value="prostate_cancer")
    assert browser.question_id() == "prostate_cancer"
    assert browser.soup is not None
    checked = browser.soup.select_one("input[type=radio][checked]")
    assert checked is not None and checked["value"] == "no", "the earlier answer is shown"
    browser.answer("Yes")
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.h1 == "See a clinician before you try it"


def test_follow_up_is_dropped_when_its_reason_goes(browser: Browser) -> None:
    start(browser).answer_all({"fever": "yes", "fever_very_unwell": "yes"})
    assert "Do you also feel very unwell right now?" in browser.text
    browser.press("Change", value="fever").answer("No")
    assert browser.h1 == "Check your answers"
    assert "Do you also feel very unwell right now?" not in browser.text
    browser.press("See my result")
    assert browser.h1 == "General safety information"
    # Asked again, the follow-up starts blank: the old answer really was dropped.
    browser.get("/")
    start(browser).answer_all({"fever": "yes", "fever_very_unwell": "yes"})
    browser.press("Change", value="fever").answer("No")
    browser.press("Change", value="fever").answer("Yes")
    assert browser.question_id() == "fever_very_unwell"
    assert browser.soup is not None
    assert not browser.soup.select("input[type=radio][checked]")
    browser.answer("No")
    assert browser.h1 == "Check your answers"


def test_follow_up_is_asked_when_a_change_makes_it_relevant(browser: Browser) -> None:
    start(browser).answer_all({})
    browser.press("Change", value="rectal_bleeding").answer("Not sure")
    assert browser.question_id() == "heavy_rectal_bleeding"
    browser.answer("Yes")
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.h1 == "Get medical help promptly"


def test_back_keeps_answers(browser: Browser) -> None:
    start(browser).answer("No")
    assert browser.question_id() == "severe_pain"
    browser.press("Back")
    assert browser.question_id() == "fever"
    assert browser.soup is not None
    assert browser.soup.select_one("input[type=radio][checked]")["value"] == "no"
    browser.press("Back")
    assert browser.h1 == browser.soup.find("h1").get_text(" ", strip=True)
    assert browser.soup.find("button", string="Start") is not None
    browser.press("Start")
    assert browser.question_id() == "fever"
    assert browser.soup.select_one("input[type=radio][checked]")["value"] == "no"
    browser.press("Continue")
    assert browser.question_id() == "severe_pain"


def test_back_after_change_returns_to_check_your_answers(browser: Browser) -> None:
    start(browser).answer_all({})
    browser.press("Change", value="bleeding_risk")
    assert browser.question_id() == "bleeding_risk"
    browser.press("Back")
    assert browser.h1 == "Check your answers"


def test_back_from_check_goes_to_the_last_question(browser: Browser) -> None:
    start(browser).answer_all({})
    browser.press("Back")
    assert browser.question_id() == "weak_immunity"
    browser.answer("No")
    assert browser.h1 == "Check your answers"


def test_going_back_then_on_walks_forward_through_answered_questions(browser: Browser) -> None:
    start(browser).answer("No").answer("No").answer("No")
    browser.press("Back").press("Back")
    assert browser.question_id() == "severe_pain"
    browser.answer("No")
    assert browser.question_id() == "cannot_urinate"


# --------------------------------------------------------------------------- the error pattern


def test_missing_answer_shows_the_error_summary_and_keeps_answers(browser: Browser) -> None:
    start(browser).answer("Yes").answer("No")
    assert browser.question_id() == "severe_pain"
    before = browser.token()
    browser.press("Continue")
    assert browser.status == 200
    assert browser.title.startswith("Error: ")
    assert browser.soup is not None
    summary = browser.soup.find(class_="error-summary")
    assert summary is not None and summary.find("h2").get_text(strip=True) == "There is a problem"
    link = summary.find("a")
    assert link["href"] == "#answer" and link.get_text(strip=True) == "Select yes, no or not sure"
    assert browser.soup.find(id="answer")["type"] == "radio"
    inline = browser.soup.find(class_="error-message")
    assert "Select yes, no or not sure" in inline.get_text()
    assert inline["id"] in browser.soup.find("fieldset")["aria-describedby"]
    assert browser.question_id() == "severe_pain"
    assert browser.token() != before  # re-sealed, same answers
    browser.answer("No")
    browser.answer_all({})
    assert "Yes" in [d.get_text(strip=True) for d in browser.soup.select(".summary__answer")][:1]


def test_unknown_answer_value_is_an_error_not_an_answer(browser: Browser) -> None:
    start(browser)
    browser.press("Continue", extra={"answer": "definitely"})
    assert browser.title.startswith("Error: ")
    assert "Select yes, no or not sure" in browser.text
    assert "definitely" not in browser.html


def test_unknown_fields_are_ignored(browser: Browser) -> None:
    start(browser)
    browser.press("Continue", choose="No", extra={"surprise": "<script>x</script>", "fever": "yes"})
    assert browser.question_id() == "severe_pain"
    assert "surprise" not in browser.html and "<script>x" not in browser.html
    browser.answer_all({})
    rows = {
        r.dt.get_text(strip=True): r.select_one(".summary__answer").get_text(strip=True)
        for r in browser.soup.select(".summary__row")
    }
    assert rows["Do you have a fever or chills, or feel hot and shivery, right now?"] == "No"


# --------------------------------------------------------------------------- bad and hostile input


def expired_page(browser: Browser) -> None:
    assert browser.status == 400
    assert browser.h1 == "Your answers have expired"
    assert "start again" in browser.text.lower()
    for title in OUTCOME_TITLES:
        assert title not in browser.text


@pytest.mark.parametrize("path", ["/answer", "/back", "/change", "/check", "/result"])
@pytest.mark.parametrize("token", ["", "garbage", "AgAAAAB" + "A" * 100])
def test_bad_token_gives_the_expired_page(browser: Browser, path: str, token: str) -> None:
    browser._load(
        browser.client.post(path, data={"token": token, "question": "fever", "answer": "no"})
    )
    expired_page(browser)


def test_every_token_is_as_long_as_every_other(browser: Browser) -> None:
    """A token's length must not tell how far someone got or what they answered."""
    lengths = set()
    for default in ("No", "Not sure", "Yes"):
        start(browser)
        for _ in range(40):
            lengths.add(len(browser.token()))
            if browser.question_id() is None:
                break
            browser.answer(default)
        assert browser.h1 == "Check your answers"
    assert len(lengths) == 1, lengths


def test_tampered_token(browser: Browser) -> None:
    start(browser).answer_all({})
    token = browser.token()
    flipped = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    browser._load(browser.client.post("/result", data={"token": flipped}))
    expired_page(browser)


def test_expired_token(app: Flask, browser: Browser) -> None:
    tokens = app.extensions["screener"].tokens
    old = tokens.seal({"fever": "no"}, now=int(time.time()) - app.config["ANSWERS_TTL"] - 5)
    browser._load(browser.client.post("/result", data={"token": old}))
    expired_page(browser)


def test_token_from_another_secret(browser: Browser) -> None:
    from screener import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "another secret"})
    token = other.extensions["screener"].tokens.seal({"fever": "no"})
    browser._load(
        browser.client.post(
            "/answer", data={"token": token, "question": "severe_pain", "answer": "no"}
        )
    )
    expired_page(browser)


def test_token_with_answers_the_rules_do_not_know(app: Flask, browser: Browser) -> None:
    token = app.extensions["screener"].tokens.seal({"fever": "sometimes"})
    browser._load(browser.client.post("/result", data={"token": token}))
    expired_page(browser)


def test_incomplete_answers_never_give_a_result(app: Flask, browser: Browser) -> None:
    token = app.extensions["screener"].tokens.seal({"fever": "no"})
    browser._load(browser.client.post("/result", data={"token": token}))
    assert browser.status == 200
    assert browser.question_id() == "severe_pain"


@pytest.mark.parametrize("question", ["nonsense", "heavy_rectal_bleeding", ""])
def test_unknown_or_unasked_question_is_refused(browser: Browser, question: str) -> None:
    start(browser)
    browser.press("Continue", choose="No", extra={"question": question})
    assert browser.status == 400
    for title in OUTCOME_TITLES:
        assert title not in browser.text


@pytest.mark.parametrize("path", ["/start", "/answer", "/back", "/change", "/check", "/result"])
def test_get_on_a_form_address_explains_itself(browser: Browser, path: str) -> None:
    browser.get(path)
    assert browser.status == 405
    assert browser.h1 == "This page cannot be opened directly"


def test_not_found(browser: Browser) -> None:
    browser.get("/no/such/page")
    assert browser.status == 404
    assert browser.h1 == "Page not found"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ],
)
def test_posts_from_other_sites_are_refused(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/start", headers=headers)
    soup = check_page(response)
    assert response.status_code == 403
    assert "another website" in soup.get_text()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://localhost"},
        {"Origin": "https://localhost"},
        {},
    ],
)
def test_posts_from_screener_itself_are_accepted(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post("/start", headers=headers)
    assert response.status_code == 200


def test_oversized_body(client: FlaskClient) -> None:
    response = client.post("/answer", data={"token": "A" * 100_000})
    check_page(response)
    assert response.status_code == 413


def test_server_error_page_never_shows_an_outcome(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from screener import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("answers: fever=yes")

    monkeypatch.setattr(engine, "evaluate", broken)
    browser = Browser(app.test_client())
    start(browser).answer_all({})
    browser.press("See my result")
    assert browser.status == 500
    assert browser.h1 == "Sorry, something went wrong"
    for title in OUTCOME_TITLES:
        assert title not in browser.text
    assert "unhandled RuntimeError on POST /result" in caplog.text
    assert "fever=yes" not in caplog.text, "the exception's message may hold answers"


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    with client.get("/static/screener.css") as css:
        assert css.status_code == 200
        assert "no-store" not in css.headers.get("Cache-Control", "")


def test_answers_never_travel_in_urls(browser: Browser) -> None:
    start(browser)
    for _ in range(20):
        assert browser.soup is not None
        for form in browser.soup.find_all("form"):
            assert "?" not in form["action"]
        for tag in browser.soup.find_all(["a", "button"]):
            for attr in ("href", "formaction"):
                assert "?" not in tag.get(attr, "")
        if browser.question_id() is None:
            break
        browser.answer("Not sure")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/nowhere", 404),
        ("get", "/answer", 405),
        ("post", "/result", 400),
    ],
)
def test_every_page_says_what_to_do_in_an_emergency(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path, data={"token": "x"} if method == "post" else None)
    assert response.status_code == status
    text = check_page(response).get_text(" ", strip=True)
    assert "call your local emergency number" in text


@pytest.mark.parametrize("answers", [{}, {"severe_pain": "yes"}, {"bleeding_risk": "yes"}])
def test_every_result_says_what_to_do_in_an_emergency(
    browser: Browser, answers: dict[str, str]
) -> None:
    start(browser).answer_all(answers).press("See my result")
    assert "In an emergency, call your local emergency number" in browser.text


def test_pages_say_when_the_rules_are_not_signed_off(browser: Browser, ruleset: Ruleset) -> None:
    assert ruleset.review is not None and ruleset.review.status == "draft"
    browser.get("/")
    assert "have not yet been signed off by a clinical reviewer" in browser.text
    start(browser).answer_all({}).press("See my result")
    assert "These rules have not yet been signed off by a clinical reviewer." in browser.text


def test_approved_rules_carry_no_draft_notice(rules_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from screener import create_app
    from screener.resources import default_rules_path

    text = (
        default_rules_path()
        .read_text(encoding="utf-8")
        .replace(
            "  status: draft",
            "  status: approved\n  reviewer: Test Reviewer\n  date: 2026-11-27",
            1,
        )
    )
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RULES": str(rules_file(text))})
    page = app.test_client().get("/").get_data(as_text=True)
    assert "signed off by a clinical reviewer" not in page
