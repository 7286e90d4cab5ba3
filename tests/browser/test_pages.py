"""Every page type in real Chromium: axe-core, semantics, the error pattern, sizes, no JavaScript."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, Watched, screenshot

AXE = Axe()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OUTCOMES = {
    "info": ({}, "General safety information"),
    "clinician": ({"prostate_cancer": "Yes"}, "See a clinician before you try it"),
    "urgent": ({"severe_pain": "Not sure"}, "Get medical help promptly"),
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


def walk(page: Page, answers: dict[str, str], default: str = "No") -> None:
    """Answer until Check your answers: by question id from ``answers``, else ``default``."""
    for _ in range(40):
        qid = question_id(page)
        if qid is None:
            return
        answer(page, answers.get(qid, default))
    raise AssertionError("the questions never ended")


# --------------------------------------------------------------------------- axe on every page type


def test_every_page_type_passes_axe(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    page.goto(live.url + "/")
    axe_clean(page, "start page")
    screenshot(page, "start")
    press(page, "Start")
    seen = []
    while (qid := question_id(page)) is not None:
        axe_clean(page, f"question {qid}")
        legend_h1 = page.locator("fieldset > legend h1")
        assert page.locator("fieldset").count() == 1 and legend_h1.count() == 1, qid
        assert legend_h1.inner_text() == h1(page), qid
        assert page.locator("input[type=radio]").count() == 3, qid
        assert page.locator("input[type=radio]:checked").count() == 0, f"{qid}: nothing chosen"
        if not seen:
            screenshot(page, "question")
        press(page, "Continue")
        assert page.title().startswith("Error: ")
        axe_clean(page, f"question {qid} with its error")
        if not seen:
            screenshot(page, "question-error")
        seen.append(qid)
        answer(page, "Not sure")
    assert len(seen) == 15, "answering 'Not sure' asks every question, follow-ups included"
    assert h1(page) == "Check your answers"
    axe_clean(page, "check your answers")
    screenshot(page, "check-answers")
    press(page, "See my result")
    assert h1(page) == "Get medical help promptly"
    axe_clean(page, "urgent result")
    watched.expect_status(404)
    page.goto(live.url + "/no/such/page")
    axe_clean(page, "404")
    screenshot(page, "not-found")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_passes_axe(watched: Watched, live: LiveServer, outcome: str) -> None:
    answers, title = OUTCOMES[outcome]
    page = watched.page
    start(page, live.url)
    walk(page, answers)
    press(page, "See my result")
    assert h1(page) == title
    axe_clean(page, f"{outcome} result")
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
    screenshot(page, "expired")
