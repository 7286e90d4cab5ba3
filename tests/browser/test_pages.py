"""Every page type in real Chromium: axe-core, semantics, the error pattern, sizes, no JavaScript."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from screener import create_app
from tests.browser.conftest import SECRET, LiveServer, Watched, screenshot
from tests.conftest import IN_SCOPE, shown_rules

AXE = Axe()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The rules as the live server's English pages show them (the emergency number filled in).
SHOWN = shown_rules(create_app({"TESTING": True, "SECRET_KEY": SECRET}))
OUTSIDE_TITLE = SHOWN.outside.title if SHOWN.outside else ""
# Answers by label (the scope question answered in scope, the rest "No") for each outcome.
OUTCOMES = {
    outcome: (answers, SHOWN.outcome_by_id[outcome].title)
    for outcome, answers in {
        "info": {},
        "clinician": {"cancer_history": "Yes"},
        "urgent": {"black_stool": "Not sure"},
        "emergency": {"cannot_urinate": "Yes"},
    }.items()
}


def axe_clean(page: Page, what: str) -> None:
    """No axe-core violations for the WCAG 2.0-2.2 A and AA tags."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def h1(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def question_id(page: Page) -> str | None:
    field = page.locator("form[action='/answer'] input[name=question]")
    return field.get_attribute("value") if field.count() else None


def press(page: Page, name: str, role: str = "button") -> None:
    """Click a control that loads a new page, and wait until that page has loaded."""
    with page.expect_navigation(wait_until="load"):
        page.get_by_role(role, name=name).click()  # type: ignore[arg-type]  # role is a literal


def start(page: Page, base: str) -> None:
    page.goto(base + "/")
    press(page, "Start")


def answer(page: Page, label: str) -> None:
    page.get_by_label(label, exact=True).check()
    press(page, "Continue")


def choose(page: Page, value: str) -> None:
    """Choose the answer with this value, whatever its label, and continue."""
    page.locator(f"input[name=answer][value={value}]").check()
    press(page, "Continue")


def walk(page: Page, answers: dict[str, str], default: str = "No") -> None:
    """Answer until Check your answers: by label from ``answers`` by question id, else the
    in-scope answer to a scope question, else the answer labelled ``default``."""
    for _ in range(40):
        qid = question_id(page)
        if qid is None:
            return
        if qid not in answers and qid in IN_SCOPE:
            choose(page, IN_SCOPE[qid])
        else:
            answer(page, answers.get(qid, default))
    raise AssertionError("the questions never ended")


def walk_to(page: Page, qid: str) -> None:
    """Answer "No" (the scope question in scope) until question ``qid`` is asked."""
    for _ in range(40):
        now = question_id(page)
        assert now is not None, f"{qid!r} was never asked"
        if now == qid:
            return
        choose(page, IN_SCOPE.get(now, "no"))
    raise AssertionError("the questions never ended")


def says_the_emergency_line_once(page: Page) -> None:
    """The rules' emergency message, word for word, once on the page and visible."""
    assert SHOWN.emergency is not None
    text = page.locator("body").inner_text()
    assert text.count(SHOWN.emergency) == 1, text
    line = page.get_by_text(SHOWN.emergency, exact=True)
    assert line.count() == 1 and line.is_visible()


# --------------------------------------------------------------------------- axe on every page type


def test_every_page_type_passes_axe(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    page.goto(live.url + "/")
    axe_clean(page, "start page")
    says_the_emergency_line_once(page)
    screenshot(page, "start")
    press(page, "Start")
    seen = []
    while (qid := question_id(page)) is not None:
        axe_clean(page, f"question {qid}")
        says_the_emergency_line_once(page)
        legend_h1 = page.locator("fieldset > legend h1")
        assert page.locator("fieldset").count() == 1 and legend_h1.count() == 1, qid
        assert legend_h1.inner_text() == h1(page), qid
        assert page.locator("input[type=radio]").count() == 3, qid
        assert page.locator("input[type=radio]:checked").count() == 0, f"{qid}: nothing chosen"
        if len(seen) < 2:
            screenshot(page, "scope-question" if qid in IN_SCOPE else "question")
        press(page, "Continue")
        assert page.title().startswith("Error: ")
        axe_clean(page, f"question {qid} with its error")
        if len(seen) == 1:
            screenshot(page, "question-error")
        seen.append(qid)
        if qid in IN_SCOPE:
            choose(page, IN_SCOPE[qid])
        else:
            answer(page, "Not sure")
    assert seen[0] == "for_you", "the scope question comes first"
    assert len(seen) == len(SHOWN.flow), "answering 'Not sure' asks every question"
    assert h1(page) == "Check your answers"
    axe_clean(page, "check your answers")
    says_the_emergency_line_once(page)
    screenshot(page, "check-answers")
    press(page, "See my result")
    assert h1(page) == OUTCOMES["emergency"][1]
    axe_clean(page, "emergency result with every reason")
    says_the_emergency_line_once(page)
    watched.expect_status(404)
    page.goto(live.url + "/no/such/page")
    axe_clean(page, "404")
    says_the_emergency_line_once(page)
    screenshot(page, "not-found")


@pytest.mark.parametrize("value", ["no", "unsure"])
def test_the_outside_page_passes_axe(watched: Watched, live: LiveServer, value: str) -> None:
    page = watched.page
    start(page, live.url)
    choose(page, value)
    assert h1(page) == OUTSIDE_TITLE
    assert page.locator(".outcome, [data-screener-outcome]").count() == 0
    axe_clean(page, f"outside page after {value!r}")
    says_the_emergency_line_once(page)
    screenshot(page, f"outside-{value}")
    press(page, "Change your answer")
    assert question_id(page) == "for_you"
    assert page.locator(f"input[type=radio][value={value}]").is_checked()
    choose(page, value)
    press(page, "Start again", role="link")
    assert page.get_by_role("button", name="Start").count() == 1


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_passes_axe(watched: Watched, live: LiveServer, outcome: str) -> None:
    answers, title = OUTCOMES[outcome]
    page = watched.page
    start(page, live.url)
    walk(page, answers)
    press(page, "See my result")
    assert h1(page) == title
    assert page.locator(f".outcome--{outcome}").count() == 1
    axe_clean(page, f"{outcome} result")
    says_the_emergency_line_once(page)
    screenshot(page, f"result-{outcome}")


def test_expired_page_passes_axe(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    start(page, live.url)
    walk(page, {})
    page.locator("main input[name=token]").evaluate("el => el.value = 'tampered'")
    watched.expect_status(400)
    press(page, "See my result")
    assert h1(page) == "Your answers have expired"
    axe_clean(page, "expired answers page")
    says_the_emergency_line_once(page)
    screenshot(page, "expired")
