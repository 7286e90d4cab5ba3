"""With JavaScript switched off, every outcome can be reached and every control works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import LiveServer, Watched, screenshot
from tests.browser.test_pages import (
    OUTCOMES,
    OUTSIDE_TITLE,
    SHOWN,
    choose,
    h1,
    press,
    question_id,
    start,
    walk,
)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_whole_flow_without_javascript(chromium: Browser, live: LiveServer, outcome: str) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    watched = Watched(context, live.url)
    page = watched.page
    try:
        answers, title = OUTCOMES[outcome]
        start(page, live.url)
        press(page, "Continue")  # nothing chosen
        assert page.title().startswith("Error: ")
        press(page, "Back")
        assert page.get_by_role("button", name="Start").count() == 1
        press(page, "Start")
        walk(page, answers)
        assert h1(page) == "Check your answers"
        question = SHOWN.question_by_id["cancer_history"].text
        with page.expect_navigation():
            page.get_by_role("button", name=f"Change your answer to: {question}").click()
        assert question_id(page) == "cancer_history"
        press(page, "Back")
        assert h1(page) == "Check your answers"
        press(page, "See my result")
        assert h1(page) == title
        screenshot(page, f"no-javascript-{outcome}")
        press(page, "Start again", role="link")
        assert page.get_by_role("button", name="Start").count() == 1
        watched.assert_clean()
    finally:
        context.close()


def test_the_outside_page_without_javascript(chromium: Browser, live: LiveServer) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    watched = Watched(context, live.url)
    page = watched.page
    try:
        start(page, live.url)
        choose(page, "no")
        assert h1(page) == OUTSIDE_TITLE
        screenshot(page, "no-javascript-outside")
        press(page, "Back")
        assert question_id(page) == "for_you"
        choose(page, "yes")
        assert question_id(page) == "cannot_urinate"
        press(page, "Back")
        choose(page, "unsure")
        assert h1(page) == OUTSIDE_TITLE
        press(page, "Start again", role="link")
        assert page.get_by_role("button", name="Start").count() == 1
        watched.assert_clean()
    finally:
        context.close()
