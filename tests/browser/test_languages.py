"""Languages in real Chromium: Spanish through the header switch, right to left, the kiosk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests import pseudo
from tests.browser.conftest import LiveServer, Watched, screenshot
from tests.browser.test_kiosk import KIOSK
from tests.browser.test_pages import SHOWN, axe_clean, h1, press
from tests.conftest import IN_SCOPE

FORM_QUESTION = "form[action$='/answer'] input[name=question]"


def question_id(page: Page) -> str | None:
    field = page.locator(FORM_QUESTION)
    return field.get_attribute("value") if field.count() else None


def lang_dir(page: Page) -> tuple[str | None, str | None]:
    html = page.locator("html")
    return html.get_attribute("lang"), html.get_attribute("dir")


def choose_value(page: Page, value: str) -> None:
    """Pick the answer with this value and continue, in any language."""
    page.locator(f"input[name=answer][value={value}]").check()
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/answer'] button[type=submit]").click()


@pytest.fixture(scope="module")
def rtl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    catalogs = pseudo.write_catalog(tmp_path_factory.mktemp("catalogs"))
    with LiveServer({"TRANSLATIONS": [str(catalogs)]}) as server:
        yield server


def walk_to(page: Page, qid: str) -> int:
    """Answer "no" (the scope question in scope) until ``qid`` is asked; return its number."""
    number = 1
    while (now := question_id(page)) != qid:
        assert now is not None, f"{qid!r} was never asked"
        choose_value(page, IN_SCOPE.get(now, "no"))
        number += 1
    return number


def test_switching_to_spanish_in_the_header_keeps_the_answers(page: Page, watched: Watched) -> None:
    page.goto(watched.base + "/")
    press(page, "Start")
    number = walk_to(page, "rectal_bleeding")
    choose_value(page, "yes")  # which brings its follow-up
    choose_value(page, "no")
    after = question_id(page)
    with page.expect_navigation(wait_until="load"):
        page.locator("header nav button[lang=es]").click()
    assert lang_dir(page) == ("es", "ltr")
    assert question_id(page) == after
    assert page.locator(".caption").inner_text().startswith(f"Pregunta {number + 2} de ")
    assert page.locator("header nav [aria-current=true]").inner_text() == "Español"
    axe_clean(page, "a question in Spanish")
    screenshot(page, "language-question-es")
    with page.expect_navigation(wait_until="load"):
        page.locator(".back-link").click()
    assert question_id(page) == "bleeding_heavy"
    assert page.locator("input[name=answer][value=no]").is_checked()
    while question_id(page) is not None:
        choose_value(page, "no")
    assert h1(page) == "Revise sus respuestas"
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/result'] button[type=submit]").last.click()
    assert page.locator(".outcome--clinician").count() == 1
    assert page.locator(".review-notice").count() == 1
    assert (
        "Esta traducción todavía no ha sido revisada" in page.locator(".review-notice").inner_text()
    )
    axe_clean(page, "a result in Spanish")


def test_right_to_left_pages_are_mirrored_and_pass_axe(
    chromium: Browser, rtl_server: LiveServer, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1024, "height": 900})
    watched = Watched(context, rtl_server.url)
    page = watched.page
    page.goto(rtl_server.url + "/he/")
    assert lang_dir(page) == ("he", "rtl")
    axe_clean(page, "start page, right to left")
    screenshot(page, "rtl-start")
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/start'] button").click()
    # The error state, then a mirrored question: radios on the right, text to their left.
    choose_value(page, IN_SCOPE["for_you"])
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/answer'] button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1
    axe_clean(page, "question with an error, right to left")
    radio = page.locator("input[name=answer]").first.bounding_box()
    label = page.locator(".radio label").first.bounding_box()
    heading = page.locator("h1").bounding_box()
    assert radio and label and heading
    assert radio["x"] > label["x"], "the radio sits at the start (right) of its label"
    assert heading["x"] + heading["width"] > 1024 / 2, "text starts from the right"
    screenshot(page, "rtl-question-error")
    while question_id(page) is not None:
        choose_value(page, "no")
    assert lang_dir(page) == ("he", "rtl")
    axe_clean(page, "check your answers, right to left")
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/result'] button[type=submit]").last.click()
    assert page.locator(".outcome--info").count() == 1
    axe_clean(page, "result, right to left")
    screenshot(page, "rtl-result")
    # The page for people outside the scope, right to left.
    page.goto(rtl_server.url + "/he/")
    with page.expect_navigation(wait_until="load"):
        page.locator("form[action$='/start'] button").click()
    choose_value(page, "no")
    assert page.locator(".outside").count() == 1 and lang_dir(page) == ("he", "rtl")
    assert "{" not in page.locator("main").inner_text(), "the number is filled in"
    assert SHOWN.emergency and SHOWN.emergency not in page.locator("main").inner_text()
    axe_clean(page, "outside page, right to left")
    screenshot(page, "rtl-outside")
    watched.assert_clean()
    context.close()


@pytest.fixture(scope="module")
def kiosk_server() -> Iterator[LiveServer]:
    with LiveServer(KIOSK) as server:
        yield server


def test_the_kiosk_offers_languages_first_and_switches_in_place(
    chromium: Browser, kiosk_server: LiveServer
) -> None:
    context = chromium.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    watched = Watched(context, kiosk_server.url)
    page = watched.page
    page.goto(kiosk_server.url + "/")
    choice = page.locator(".languages--start a[lang=es]")
    box = choice.bounding_box()
    start = page.locator("form[action$='/start'] button").bounding_box()
    assert box and start and box["height"] >= 44 and box["width"] >= 44
    assert box["y"] < start["y"], "the language choice comes before Start"
    axe_clean(page, "kiosk start page with its language choice")
    screenshot(page, "kiosk-languages")
    choice.click()
    page.wait_for_url("**/es/")
    assert lang_dir(page) == ("es", "ltr")
    entries = page.evaluate("history.length")
    page.locator("form[action$='/start'] button").click()
    page.wait_for_selector(FORM_QUESTION, state="attached")
    assert lang_dir(page) == ("es", "ltr")
    # The header switch posts through kiosk.js, which swaps the page and its language.
    page.locator("header nav button[lang=en-GB]").click()
    page.wait_for_function("() => document.documentElement.lang === 'en-GB'")
    assert page.locator(".caption").inner_text().startswith("Question 1 of about ")
    assert page.evaluate("history.length") == entries, "no answered page entered history"
    watched.assert_clean()
    context.close()
