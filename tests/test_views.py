"""The self-screening flow through the Flask test client, as a person without JavaScript uses it."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from screener import engine
from screener.ruleset import Ruleset
from tests.conftest import OUTCOME_ANSWERS, Browser, check_page, shown_rules

OLD_EMERGENCY = "If you feel very unwell, have severe pain, or cannot pass urine"


def start(browser: Browser) -> Browser:
    return browser.get("/").press("Start")


def always_asked(shown: Ruleset) -> list[str]:
    """The questions asked whatever the answers (no follow-ups), in order, scope first."""
    return [q.id for q in shown.flow if q.when is None]


def begin(browser: Browser) -> Browser:
    """Start, and say the check is for you (the scope question comes first)."""
    return start(browser).choose("yes")


def no_outcome(browser: Browser, shown: Ruleset) -> None:
    """The page gives no outcome: no outcome block, no outcome as its heading or title, no
    outcome's text, no result. (The emergency message may say what the emergency outcome
    says: call the number now.)"""
    assert browser.soup is not None
    assert not browser.soup.select(".outcome, [data-screener-outcome]")
    for outcome in shown.outcomes:
        assert browser.h1 != outcome.title and not browser.title.startswith(outcome.title)
        assert outcome.body not in browser.text
    assert "Your result" not in browser.text


# --------------------------------------------------------------------------- the pages


def test_start_page_says_what_this_is(browser: Browser, ruleset: Ruleset, shown: Ruleset) -> None:
    browser.get("/")
    assert browser.status == 200
    assert browser.h1 == ruleset.title
    text = browser.text
    assert "not a diagnosis" in text
    assert "not a substitute for a doctor or nurse" in text
    assert "Nothing you enter is stored" in text
    assert browser.soup is not None
    callout = browser.soup.select_one(".callout--urgent")
    assert callout is not None and callout.h2.get_text(strip=True) == "If you need help now"
    assert shown.emergency and shown.emergency in callout.get_text(" ", strip=True)
    assert OLD_EMERGENCY not in text
    assert browser.soup.find("a", class_="skip-link")["href"] == "#main"


def test_the_scope_question_comes_first_then_a_red_flag(browser: Browser, shown: Ruleset) -> None:
    start(browser)
    scope = shown.scope[0]
    assert browser.question_id() == scope.id == "for_you"
    assert browser.h1 == scope.text
    assert browser.soup is not None
    most = engine.question_count(shown).most
    caption = browser.soup.select_one(".caption").get_text(strip=True)
    assert caption == f"Question 1 of about {most}"
    legend = browser.soup.find("legend")
    assert legend is not None and legend.find("h1") is not None
    radios = browser.soup.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["yes", "no", "unsure"]
    assert not any(r.has_attr("checked") for r in radios)
    labels = [lab.get_text(strip=True) for lab in browser.soup.find_all("label")]
    assert labels == [o.label for o in scope.options]
    browser.choose("yes")
    assert browser.question_id() == "cannot_urinate"
    assert browser.h1 == shown.question_by_id["cannot_urinate"].text
    caption = browser.soup.select_one(".caption").get_text(strip=True)
    assert caption == f"Question 2 of about {most}"
    radios = browser.soup.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["yes", "no", "unsure"]
    assert not any(r.has_attr("checked") for r in radios)
    labels = [lab.get_text(strip=True) for lab in browser.soup.find_all("label")]
    assert labels == ["Yes", "No", "Not sure"]
    hint = browser.soup.find(class_="hint")
    assert hint is not None and browser.soup.find("fieldset")["aria-describedby"] == hint["id"]
    assert any(b.get_text(strip=True) == "Back" for b in browser.soup.find_all("button"))


@pytest.mark.parametrize(
    ("answers", "outcome", "reasons"),
    [
        ({}, "info", []),
        ({"cancer_history": "yes"}, "clinician", [("cancer_history", "told")]),
        ({"bleeding_risk": "unsure"}, "clinician", [("bleeding_risk", "unsure")]),
        ({"black_stool": "yes"}, "urgent", [("black_poo", "told")]),
        ({"cannot_urinate": "yes"}, "emergency", [("cannot_pass_urine", "told")]),
        (
            {"rectal_bleeding": "yes", "bleeding_heavy": "unsure"},
            "emergency",
            [("heavy_bleeding_from_bottom", "unsure"), ("bleeding_from_bottom", "told")],
        ),
        (
            {"rectal_bleeding": "yes", "bleeding_heavy": "yes"},
            "emergency",
            [("heavy_bleeding_from_bottom", "told"), ("bleeding_from_bottom", "told")],
        ),
    ],
)
def test_whole_flow_to_each_outcome(
    browser: Browser,
    ruleset: Ruleset,
    shown: Ruleset,
    answers: dict[str, str],
    outcome: str,
    reasons: list[tuple[str, str]],
) -> None:
    begin(browser).answer_all(answers)
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.status == 200
    title = shown.outcome_by_id[outcome].title
    assert browser.h1 == title
    assert browser.title.startswith(title)
    assert browser.soup is not None
    assert browser.soup.select_one(".outcome")["class"] == ["outcome", f"outcome--{outcome}"]
    text = browser.text
    shown_reasons = [li.get_text(" ", strip=True) for li in browser.soup.select(".reasons li")]
    rules = {r.id: r for r in shown.rules}
    for rule, basis in reasons:
        assert rules[rule].wording(basis) in shown_reasons, (rule, basis)
    if reasons:
        assert "Why we are suggesting this" in text
    else:
        assert "Why we are suggesting this" not in text and not shown_reasons
    assert (shown.outcome_by_id[outcome].next_steps_title or "What to do next") in text
    for step in shown.outcome_by_id[outcome].next_steps:
        assert step in text
    assert f"{ruleset.id} version {ruleset.version}" in text
    assert ruleset.short_hash in text
    when = browser.soup.find("time")
    assert when is not None and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", when["datetime"])
    again = browser.soup.find("a", string="Start again")
    assert again is not None and again["href"] == "/"
    assert not browser.soup.select("input[name=token]"), "the result page keeps no answers token"


def test_general_information_covers_the_article_safety_advice(browser: Browser) -> None:
    begin(browser).answer_all({}).press("See my result")
    text = browser.text
    for advice in (
        "water-based lube",
        "Wash your hands",
        "gently",
        "never use force",
        "stop if it hurts",
        "get help from a doctor",
    ):
        assert advice in text


def summary(browser: Browser) -> dict[str, str]:
    """The check page's (or result page's) answers, by question text."""
    assert browser.soup is not None
    return {
        r.dt.get_text(strip=True): r.select_one(".summary__answer").get_text(strip=True)
        for r in browser.soup.select(".summary__row")
    }


def test_check_page_lists_every_answer_with_a_change_button(
    browser: Browser, shown: Ruleset
) -> None:
    begin(browser).answer_all(
        {"rectal_bleeding": "yes", "bleeding_heavy": "no", "weak_immunity": "unsure"}
    )
    assert browser.h1 == "Check your answers"
    assert browser.soup is not None
    rows = browser.soup.select(".summary__row")
    asked = len(always_asked(shown)) + 1
    assert len(rows) == asked, "the scope question, every other question and one follow-up"
    answers = summary(browser)
    text = {q.id: q.text for q in shown.flow}
    assert answers[text["for_you"]] == shown.scope[0].label("yes")
    assert answers[text["weak_immunity"]] == "Not sure"
    assert answers[text["bleeding_heavy"]] == "No"
    assert answers[text["rectal_bleeding"]] == "Yes"
    changes = [b for b in browser.soup.find_all("button") if b.get_text().startswith("Change")]
    assert len(changes) == asked
    assert changes[0]["value"] == "for_you", "the scope answer can be changed too"
    # Each is named "Change your answer to:" and its own question (aria-labelledby).
    label = browser.soup.find(id="change-label")
    assert label is not None and label.get_text() == "Change your answer to:"
    for b in changes:
        label_id, question_id = b["aria-labelledby"].split()
        assert label_id == "change-label"
        dt = browser.soup.find(id=question_id)
        assert dt is not None and dt.name == "dt" and question_id == f"q-{b['value']}"


def test_changing_an_answer_returns_to_check_and_changes_the_result(
    browser: Browser, shown: Ruleset
) -> None:
    begin(browser).answer_all({})
    browser.press("Change", value="cancer_history")
    assert browser.question_id() == "cancer_history"
    assert browser.soup is not None
    checked = browser.soup.select_one("input[type=radio][checked]")
    assert checked is not None and checked["value"] == "no", "the earlier answer is shown"
    browser.answer("Yes")
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.h1 == shown.outcome_by_id["clinician"].title


def test_follow_up_is_dropped_when_its_reason_goes(browser: Browser, shown: Ruleset) -> None:
    follow_up = shown.question_by_id["blood_in_urine"].text
    begin(browser).answer_all({"blood_urine_semen": "yes", "blood_in_urine": "yes"})
    assert follow_up in browser.text
    browser.press("Change", value="blood_urine_semen").answer("No")
    assert browser.h1 == "Check your answers"
    assert follow_up not in browser.text
    browser.press("See my result")
    assert browser.h1 == shown.outcome_by_id["info"].title
    # Asked again, the follow-up starts blank: the old answer really was dropped.
    browser.get("/")
    begin(browser).answer_all({"blood_urine_semen": "yes", "blood_in_urine": "yes"})
    browser.press("Change", value="blood_urine_semen").answer("No")
    browser.press("Change", value="blood_urine_semen").answer("Yes")
    assert browser.question_id() == "blood_in_urine"
    assert browser.soup is not None
    assert not browser.soup.select("input[type=radio][checked]")
    browser.answer("No")
    assert browser.h1 == "Check your answers"


def test_follow_up_is_asked_when_a_change_makes_it_relevant(
    browser: Browser, shown: Ruleset
) -> None:
    begin(browser).answer_all({})
    browser.press("Change", value="rectal_bleeding").answer("Not sure")
    assert browser.question_id() == "bleeding_heavy"
    browser.answer("Yes")
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    assert browser.h1 == shown.outcome_by_id["emergency"].title


def checked(browser: Browser) -> str | None:
    assert browser.soup is not None
    radio = browser.soup.select_one("input[type=radio][checked]")
    return str(radio["value"]) if radio else None


def test_back_keeps_answers(browser: Browser, shown: Ruleset) -> None:
    order = always_asked(shown)
    begin(browser).answer("No")
    assert browser.question_id() == order[2]
    browser.press("Back")
    assert browser.question_id() == "cannot_urinate" and checked(browser) == "no"
    browser.press("Back")
    assert browser.question_id() == "for_you" and checked(browser) == "yes"
    browser.press("Back")
    assert browser.soup is not None
    assert browser.h1 == browser.soup.find("h1").get_text(" ", strip=True)
    assert browser.soup.find("button", string="Start") is not None
    browser.press("Start")
    assert browser.question_id() == "for_you" and checked(browser) == "yes"
    browser.press("Continue")
    assert browser.question_id() == "cannot_urinate" and checked(browser) == "no"
    browser.press("Continue")
    assert browser.question_id() == order[2]


def test_back_after_change_returns_to_check_your_answers(browser: Browser) -> None:
    begin(browser).answer_all({})
    browser.press("Change", value="bleeding_risk")
    assert browser.question_id() == "bleeding_risk"
    browser.press("Back")
    assert browser.h1 == "Check your answers"


def test_back_from_check_goes_to_the_last_question(browser: Browser) -> None:
    begin(browser).answer_all({})
    browser.press("Back")
    assert browser.question_id() == "massage_problems"
    browser.answer("No")
    assert browser.h1 == "Check your answers"


def test_going_back_then_on_walks_forward_through_answered_questions(
    browser: Browser, shown: Ruleset
) -> None:
    order = always_asked(shown)
    begin(browser).answer("No").answer("No").answer("No")
    assert browser.question_id() == order[4]
    browser.press("Back").press("Back")
    assert browser.question_id() == order[2]
    browser.answer("No")
    assert browser.question_id() == order[3]


# --------------------------------------------------------------------------- outside the scope


@pytest.mark.parametrize("value", ["no", "unsure"])
def test_an_answer_outside_the_scope_ends_on_a_page_that_is_no_outcome(
    browser: Browser, shown: Ruleset, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert shown.outside is not None
    with caplog.at_level("INFO", logger="screener"):
        start(browser).choose(value)
    assert browser.status == 200
    assert browser.h1 == shown.outside.title
    assert browser.title.startswith(shown.outside.title)
    text = browser.text
    assert shown.outside.body in text
    for step in shown.outside.next_steps:
        assert step in text
    assert shown.emergency and text.count(shown.emergency) == 1
    assert "talk to a doctor or nurse" in text
    no_outcome(browser, shown)
    assert not re.search(r"\binfo\b", browser.html), "nothing names the lowest outcome"
    assert browser.soup is not None
    assert browser.soup.select_one(".callout--urgent") is not None
    again = browser.soup.find("a", string="Start again")
    assert again is not None and again["href"] == "/"
    assert "screening ended: outside scope" in caplog.text
    assert "screening completed" not in caplog.text
    assert value not in caplog.text.replace("screening ended: outside scope", "")
    # Back (and "Change your answer") go to the scope question, the answer kept.
    backs = [
        b for b in browser.soup.find_all("button") if b.find_parent("form")["action"] == "/back"
    ]
    assert [b.get_text(strip=True) for b in backs] == ["Back", "Change your answer"]
    browser.press("Change your answer")
    assert browser.question_id() == "for_you" and checked(browser) == value
    browser.choose("yes")
    assert browser.question_id() == "cannot_urinate"


def test_the_result_is_never_reachable_outside_the_scope(
    app: Flask, browser: Browser, shown: Ruleset
) -> None:
    tokens = app.extensions["screener"].tokens
    everything = {q.id: "no" for q in shown.questions if q.when is None}
    for answers in ({"for_you": "no"}, {**everything, "for_you": "unsure"}):
        for step in ("/result", "/check", "/start", "/show"):
            data = {"token": tokens.seal(answers), "step": "check"}
            browser._load(browser.client.post(step, data=data))
            assert browser.status == 200, step
            assert browser.h1 == shown.outside.title, step  # type: ignore[union-attr]
            no_outcome(browser, shown)
    # Without the scope answer, the scope question is asked first: never a result.
    browser._load(browser.client.post("/result", data={"token": tokens.seal(everything)}))
    assert browser.question_id() == "for_you"
    no_outcome(browser, shown)


def test_changing_the_scope_answer_on_the_check_page_ends_the_screening(
    browser: Browser, shown: Ruleset
) -> None:
    begin(browser).answer_all({"cancer_history": "yes"})
    browser.press("Change", value="for_you").choose("no")
    assert browser.h1 == shown.outside.title  # type: ignore[union-attr]
    no_outcome(browser, shown)
    token = browser.token()  # a hand-made post of this token to /result
    browser._load(browser.client.post("/result", data={"token": token}))
    assert browser.h1 == shown.outside.title  # type: ignore[union-attr]
    browser.press("Back")
    assert browser.question_id() == "for_you" and checked(browser) == "no"
    browser.choose("yes")
    assert browser.h1 == "Check your answers", "every other answer is still there"
    assert summary(browser)[shown.question_by_id["cancer_history"].text] == "Yes"
    browser.press("See my result")
    assert browser.h1 == shown.outcome_by_id["clinician"].title


# --------------------------------------------------------------------------- the error pattern


def test_missing_answer_shows_the_error_summary_and_keeps_answers(
    browser: Browser, shown: Ruleset
) -> None:
    begin(browser).answer_until("rectal_bleeding").answer("Yes")
    assert browser.question_id() == "bleeding_heavy"
    browser.answer("No")
    waiting = browser.question_id()
    assert waiting == "black_stool"
    before = browser.token()
    browser.press("Continue")
    assert browser.status == 200
    assert browser.title.startswith("Error: ")
    assert browser.soup is not None
    summary_box = browser.soup.find(class_="error-summary")
    assert summary_box is not None
    assert summary_box.find("h2").get_text(strip=True) == "There is a problem"
    link = summary_box.find("a")
    assert link["href"] == "#answer" and link.get_text(strip=True) == "Select yes, no or not sure"
    assert browser.soup.find(id="answer")["type"] == "radio"
    inline = browser.soup.find(class_="error-message")
    assert "Select yes, no or not sure" in inline.get_text()
    assert inline["id"] in browser.soup.find("fieldset")["aria-describedby"]
    assert browser.question_id() == waiting
    assert browser.token() != before  # re-sealed, same answers
    browser.answer("No")
    browser.answer_all({})
    answers = summary(browser)
    assert answers[shown.question_by_id["rectal_bleeding"].text] == "Yes"
    assert answers[shown.question_by_id["bleeding_heavy"].text] == "No"


def test_unknown_answer_value_is_an_error_not_an_answer(browser: Browser) -> None:
    begin(browser)
    browser.press("Continue", extra={"answer": "definitely"})
    assert browser.title.startswith("Error: ")
    assert "Select yes, no or not sure" in browser.text
    assert "definitely" not in browser.html
    assert browser.question_id() == "cannot_urinate"


def test_a_scope_question_left_unanswered_is_an_error_too(browser: Browser) -> None:
    start(browser).press("Continue")
    assert browser.title.startswith("Error: ")
    assert browser.question_id() == "for_you"
    assert browser.soup is not None and browser.soup.find(class_="error-summary") is not None
    # Its answers are phrases, so the message does not try to list them.
    assert browser.soup.find(class_="error-summary").find("a").get_text() == "Select an answer"
    start(browser).press("Continue", extra={"answer": "maybe"})
    assert browser.title.startswith("Error: ") and browser.question_id() == "for_you"


def test_unknown_fields_are_ignored(browser: Browser, shown: Ruleset) -> None:
    begin(browser)
    browser.press(
        "Continue", choose="No", extra={"surprise": "<script>x</script>", "fever_recent": "yes"}
    )
    assert browser.question_id() == always_asked(shown)[2]
    assert "surprise" not in browser.html and "<script>x" not in browser.html
    browser.answer_all({})
    assert summary(browser)[shown.question_by_id["fever_recent"].text] == "No"


# --------------------------------------------------------------------------- bad and hostile input


def expired_page(browser: Browser, shown: Ruleset) -> None:
    assert browser.status == 400
    assert browser.h1 == "Your answers have expired"
    assert "start again" in browser.text.lower()
    no_outcome(browser, shown)


@pytest.mark.parametrize("path", ["/answer", "/back", "/change", "/check", "/result"])
@pytest.mark.parametrize("token", ["", "garbage", "AgAAAAB" + "A" * 100])
def test_bad_token_gives_the_expired_page(
    browser: Browser, shown: Ruleset, path: str, token: str
) -> None:
    browser._load(
        browser.client.post(
            path, data={"token": token, "question": "cannot_urinate", "answer": "no"}
        )
    )
    expired_page(browser, shown)


def test_every_token_is_as_long_as_every_other(browser: Browser) -> None:
    """A token's length must not tell how far someone got or what they answered."""
    lengths = set()
    for default in ("no", "unsure", "yes"):
        start(browser)
        for _ in range(40):
            lengths.add(len(browser.token()))
            if browser.question_id() is None:
                break
            browser.choose("yes" if browser.question_id() == "for_you" else default)
        assert browser.h1 == "Check your answers"
    for outside in ("no", "unsure"):  # the page after an answer outside the scope
        start(browser).choose(outside)
        lengths.add(len(browser.token()))
    assert len(lengths) == 1, lengths


def test_tampered_token(browser: Browser, shown: Ruleset) -> None:
    begin(browser).answer_all({})
    token = browser.token()
    flipped = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    browser._load(browser.client.post("/result", data={"token": flipped}))
    expired_page(browser, shown)


def test_expired_token(app: Flask, browser: Browser, shown: Ruleset) -> None:
    tokens = app.extensions["screener"].tokens
    old = tokens.seal(
        {"for_you": "yes", "cannot_urinate": "no"},
        now=int(time.time()) - app.config["ANSWERS_TTL"] - 5,
    )
    browser._load(browser.client.post("/result", data={"token": old}))
    expired_page(browser, shown)


def test_token_from_another_secret(browser: Browser, shown: Ruleset) -> None:
    from screener import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "another secret"})
    token = other.extensions["screener"].tokens.seal({"for_you": "yes"})
    browser._load(
        browser.client.post(
            "/answer", data={"token": token, "question": "cannot_urinate", "answer": "no"}
        )
    )
    expired_page(browser, shown)


@pytest.mark.parametrize(
    "answers",
    [
        {"for_you": "yes", "cannot_urinate": "sometimes"},
        {"for_you": "maybe"},
        {"for_you": "yes", "fever": "no"},  # a question of rules 1.1.0, gone in 2.0
    ],
)
def test_token_with_answers_the_rules_do_not_know(
    app: Flask, browser: Browser, shown: Ruleset, answers: dict[str, str]
) -> None:
    token = app.extensions["screener"].tokens.seal(answers)
    browser._load(browser.client.post("/result", data={"token": token}))
    expired_page(browser, shown)


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ({"for_you": "yes", "cannot_urinate": "no"}, 2),  # the next question in order
        ({}, 0),
        ({"cannot_urinate": "no"}, 0),  # the scope question is never skipped
    ],
)
def test_incomplete_answers_never_give_a_result(
    app: Flask, browser: Browser, shown: Ruleset, answers: dict[str, str], asked: int
) -> None:
    token = app.extensions["screener"].tokens.seal(answers)
    browser._load(browser.client.post("/result", data={"token": token}))
    assert browser.status == 200
    assert browser.question_id() == always_asked(shown)[asked]
    no_outcome(browser, shown)


@pytest.mark.parametrize("question", ["nonsense", "bleeding_heavy", "", "fever"])
def test_unknown_or_unasked_question_is_refused(
    browser: Browser, shown: Ruleset, question: str
) -> None:
    begin(browser)
    browser.press("Continue", choose="No", extra={"question": question})
    assert browser.status == 400
    no_outcome(browser, shown)


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
    app: Flask, shown: Ruleset, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from screener import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("answers: fever_recent=yes")

    monkeypatch.setattr(engine, "evaluate", broken)
    browser = Browser(app.test_client())
    begin(browser).answer_all({})
    browser.press("See my result")
    assert browser.status == 500
    assert browser.h1 == "Sorry, something went wrong"
    no_outcome(browser, shown)
    assert "unhandled RuntimeError on POST /result" in caplog.text
    assert "fever_recent=yes" not in caplog.text, "the exception's message may hold answers"


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
    def no_query(browser: Browser) -> None:
        assert browser.soup is not None
        for form in browser.soup.find_all("form"):
            assert "?" not in form["action"]
        for tag in browser.soup.find_all(["a", "button"]):
            for attr in ("href", "formaction"):
                assert "?" not in tag.get(attr, "")

    begin(browser)
    for _ in range(40):
        no_query(browser)
        if browser.question_id() is None:
            break
        browser.answer("Not sure")
    assert browser.h1 == "Check your answers"
    browser.press("See my result")
    no_query(browser)
    start(browser).choose("unsure")  # the page for people outside the scope
    no_query(browser)


EMBED_HOST = "https://health.example.org"


def reach(browser: Browser, prefix: str, page: str) -> int:
    """Open a page of this type under ``prefix`` (embedded, with a host, under /embed);
    return the status it should have."""
    host = f"?host={EMBED_HOST}" if prefix else ""
    post = {"host": EMBED_HOST} if prefix else {}
    client = browser.client
    if page == "start":
        browser.get(f"{prefix}/{host}")
    elif page == "question":
        browser.get(f"{prefix}/{host}").press("Start")
    elif page == "follow-up question":
        browser.get(f"{prefix}/{host}").press("Start").answer_until("rectal_bleeding")
        browser.choose("yes")
        assert browser.question_id() == "bleeding_heavy"
    elif page == "check":
        browser.get(f"{prefix}/{host}").press("Start").answer_all({})
        assert browser.h1 == "Check your answers"
    elif page == "outside":
        browser.get(f"{prefix}/{host}").press("Start").choose("no")
    elif page.startswith("result "):
        outcome = page.removeprefix("result ")
        browser.get(f"{prefix}/{host}").press("Start").answer_all(OUTCOME_ANSWERS[outcome])
        browser.press("See my result")
        assert browser.soup is not None and browser.soup.select(f".outcome--{outcome}")
    elif page == "expired":
        browser._load(client.post(f"{prefix}/result", data={"token": "x", **post}))
        return 400
    elif page == "not found":
        browser.get(f"{prefix}/no/such/page{host}")
        return 404
    elif page == "not allowed":
        browser.get(f"{prefix}/answer{host}")
        return 405
    elif page == "forbidden":
        headers = {"Sec-Fetch-Site": "cross-site"}
        browser._load(client.post(f"{prefix}/start", data=post, headers=headers))
        return 403
    elif page == "too large":
        browser._load(client.post(f"{prefix}/answer{host}", data={"token": "x" * 70_000}))
        return 413
    else:
        raise AssertionError(f"no page {page!r}")
    return 200


PAGE_TYPES = [
    "start",
    "question",
    "follow-up question",
    "check",
    "outside",
    *(f"result {outcome}" for outcome in OUTCOME_ANSWERS),
    "expired",
    "not found",
    "not allowed",
    "forbidden",
    "too large",
]


@pytest.mark.parametrize("prefix", ["", "/embed"], ids=["site", "embedded"])
@pytest.mark.parametrize("page", PAGE_TYPES)
def test_every_page_says_what_to_do_in_an_emergency(shown: Ruleset, prefix: str, page: str) -> None:
    """The one emergency message of the rules, word for word, once on every page."""
    from screener import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "EMBED_ORIGINS": [EMBED_HOST]})
    browser = Browser(app.test_client())
    status = reach(browser, prefix, page)
    assert browser.status == status
    assert shown.emergency is not None
    assert browser.text.count(shown.emergency) == 1, page
    assert OLD_EMERGENCY not in browser.text
    assert "{emergency_number}" not in browser.html, "the number is filled in"
    if prefix:  # an embedded page, which the host site frames
        assert browser.soup is not None and browser.soup.find("header") is None
        assert browser.soup.find("html")["data-embed-host"] == EMBED_HOST


def test_the_emergency_number_is_the_rules_region_s_or_the_setting(shown: Ruleset) -> None:
    from screener import create_app

    assert shown.language == "en_GB"
    browser = Browser(create_app({"TESTING": True, "SECRET_KEY": "k"}).test_client())
    for page in ("start", "outside", "result emergency"):
        reach(browser, "", page)
        assert "call 999" in browser.text.lower(), page
    assert browser.h1.startswith("Call 999 now")
    set_app = create_app({"TESTING": True, "SECRET_KEY": "k", "EMERGENCY_NUMBER": "112"})
    browser = Browser(set_app.test_client())
    reach(browser, "", "result emergency")
    assert browser.h1.startswith("Call 112 now") and "999" not in browser.text
    assert browser.text.count(shown_rules(set_app).emergency or "?") == 1


def test_rules_without_an_emergency_message_get_screener_s(rules_file) -> None:  # type: ignore[no-untyped-def]
    """A rules file need not say it: then every page says Screener's own line."""
    from screener import create_app
    from screener.resources import default_rules_path

    text = default_rules_path().read_text(encoding="utf-8")
    start = text.index("\nemergency: >-\n")
    end = text.index("\n\n", start + 1)
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "k", "RULES": str(rules_file(text[:start] + text[end:]))}
    )
    assert shown_rules(app).emergency is None
    browser = Browser(app.test_client())
    line = "In an emergency, call 999 or go to an emergency department."
    for page in ("start", "question", "check", "outside", "result info", "expired"):
        status = reach(browser, "", page)
        assert browser.status == status
        assert browser.text.count(line) == 1, page


@pytest.mark.parametrize("outcome", OUTCOME_ANSWERS)
def test_every_result_says_what_to_do_in_an_emergency(
    browser: Browser, shown: Ruleset, outcome: str
) -> None:
    begin(browser).answer_all(OUTCOME_ANSWERS[outcome]).press("See my result")
    assert browser.soup is not None and browser.soup.select(f".outcome--{outcome}")
    callout = browser.soup.select_one(".callout")
    assert callout is not None
    said = callout.get_text(" ", strip=True)
    assert said.startswith("This is general information, not a diagnosis.")
    assert shown.emergency and shown.emergency in said
    assert browser.text.count(shown.emergency) == 1


def test_pages_say_when_the_rules_are_not_signed_off(browser: Browser, ruleset: Ruleset) -> None:
    """One notice on every page type, never two, and none of the internal id or hash
    outside the result's small print."""
    assert ruleset.review is not None and ruleset.review.status == "draft"
    notice = "Draft : These questions and this advice have not yet been checked by a clinician."

    def said() -> list[str]:
        assert browser.soup is not None
        footer = browser.soup.find("footer")
        assert footer is not None and ruleset.short_hash not in footer.get_text()
        assert ruleset.id not in footer.get_text()
        return [n.get_text(" ", strip=True) for n in browser.soup.select(".review-notice")]

    browser.get("/")
    assert said() == [notice]
    begin(browser)
    assert said() == [notice], "a question"
    browser.answer_all({})
    assert said() == [notice], "check your answers"
    browser.press("See my result")
    assert said() == [notice], "the result"
    assert browser.text.count("checked by a clinician") == 1
    meta = browser.soup.select_one("main .meta") if browser.soup else None
    assert meta is not None and ruleset.short_hash in meta.get_text(), "kept in the small print"
    browser.get("/nowhere")
    assert said() == [notice], "an error page"


def test_approved_rules_carry_no_draft_notice(rules_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from screener import create_app
    from screener.resources import default_rules_path
    from tests.test_approve import approve_text

    text = approve_text(default_rules_path().read_text(encoding="utf-8"))
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "RULES": str(rules_file(text))})
    page = app.test_client().get("/").get_data(as_text=True)
    assert "review-notice" not in page and "checked by a clinician" not in page
    assert "Reviewed by Consultant urologist on 27 November 2026." in page
