"""Kiosk mode in real Chromium: the inactivity dialog, wiping, history, touch targets, text
sizes, axe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, Watched, screenshot
from tests.browser.test_pages import (
    OUTCOMES,
    OUTSIDE_TITLE,
    SHOWN,
    axe_clean,
    h1,
    question_id,
    says_the_emergency_line_once,
)
from tests.conftest import IN_SCOPE

# Shortened by configuration, so the suite does not wait minutes.
KIOSK = {"KIOSK": True, "KIOSK_IDLE": 2, "KIOSK_RESULT_IDLE": 3, "KIOSK_COUNTDOWN": 3}
START = SHOWN.title


@pytest.fixture(scope="module")
def kiosk_server() -> Iterator[LiveServer]:
    with LiveServer(KIOSK) as server:
        yield server


@pytest.fixture
def kiosk(chromium: Browser, kiosk_server: LiveServer) -> Iterator[Watched]:
    context = chromium.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    watched = Watched(context, kiosk_server.url)
    yield watched
    watched.assert_clean()
    context.close()


def tap(page: Page, name: str, role: str = "button") -> None:
    page.get_by_role(role, name=name).click()  # type: ignore[arg-type]
    page.wait_for_function("!document.documentElement.classList.contains('kiosk-leaving')")


def choose(page: Page, label: str, *, value: str | None = None) -> None:
    """Pick an answer (by its label, or by its value) and continue; kiosk pages swap in
    place, so wait for the next one."""
    before = question_id(page)
    if value is not None:
        page.locator(f"input[name=answer][value={value}]").check()
    else:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_function(
        "q => (document.querySelector(\"form[action='/answer'] input[name=question]\") || {}).value !== q",
        arg=before,
    )


def in_scope(page: Page) -> None:
    """Answer the scope question: yes, the check is for me."""
    assert question_id(page) in IN_SCOPE
    choose(page, "", value=IN_SCOPE[str(question_id(page))])


def to_check(page: Page, answers: dict[str, str]) -> None:
    while (qid := question_id(page)) is not None:
        if qid in IN_SCOPE and qid not in answers:
            in_scope(page)
        else:
            choose(page, answers.get(qid, "No"))


def begin(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("form[action='/answer']")


def no_answers_left(page: Page) -> None:
    """The page shows no answer and holds no answers token."""
    html = page.content()
    assert 'name="token"' not in html
    assert "summary__answer" not in html
    for text in (
        "Check your answers",
        "You told us",
        "Please show this screen",
        "member of staff",
        OUTSIDE_TITLE,
    ):
        assert text not in html


def test_answered_pages_never_enter_history(kiosk: Watched, kiosk_server: LiveServer) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    length = page.evaluate("history.length")
    to_check(page, OUTCOMES["urgent"][0])
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome")
    assert h1(page) == OUTCOMES["urgent"][1]
    assert page.evaluate("history.length") == length
    assert page.url == kiosk_server.url + "/"
    assert page.get_by_text("Please show this screen to a member of staff").is_visible()
    line = SHOWN.outcome_by_id["urgent"].kiosk
    assert line and page.get_by_text(line, exact=True).is_visible()
    screenshot(page, "kiosk-result")


def test_no_warning_before_the_idle_time_and_activity_resets_it(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    page.goto(kiosk_server.url + "/")
    page.wait_for_timeout(3000)
    assert page.locator("dialog#kiosk-timeout[open]").count() == 0, (
        "nothing to clear on the start page"
    )
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("form[action='/answer']")
    page.wait_for_timeout(1300)
    assert page.locator("dialog#kiosk-timeout[open]").count() == 0, "not before the idle time"
    page.keyboard.press("Tab")  # activity restarts the idle time
    page.wait_for_timeout(1300)
    assert page.locator("dialog#kiosk-timeout[open]").count() == 0, "a key press restarted it"
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    box = page.locator("dialog#kiosk-timeout [data-kiosk-extend]").bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    page.keyboard.press("Escape")
    assert page.locator("dialog#kiosk-timeout[open]").count() == 0, "Escape means more time"
    assert question_id(page) == "for_you"


def test_result_page_waits_longer(kiosk: Watched, kiosk_server: LiveServer) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    to_check(page, {"bleeding_risk": "Yes"})
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome")
    assert page.evaluate("document.body.dataset.kioskIdle") == "3"
    assert page.evaluate("document.activeElement.textContent") == (
        SHOWN.outcome_by_id["clinician"].kiosk
    ), "focus starts on what to do with the result: the outcome's kiosk line"
    assert touch_targets(page) == [], "result with the staff panel"
    axe_clean(page, "kiosk result with the staff panel")
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)


def test_expired_answers_clear_the_screen(kiosk: Watched, kiosk_server: LiveServer) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    in_scope(page)
    page.locator("main input[name=token]").evaluate("el => el.value = 'tampered'")
    page.get_by_label("No", exact=True).check()
    kiosk.expect_status(400)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(kiosk_server.url + "/")
    page.wait_for_selector("button:has-text('Start')")
    no_answers_left(page)


def test_idle_warning_takes_focus_and_extends_again_and_again(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    for attempt in range(10):
        page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
        assert page.evaluate("document.activeElement.textContent.trim()") == "I need more time"
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        if attempt == 0:
            axe_clean(page, "kiosk question with the timeout dialog")
            screenshot(page, "kiosk-dialog")
        page.get_by_role("button", name="I need more time").click()
        assert page.locator("dialog#kiosk-timeout[open]").count() == 0
        assert question_id(page) == "for_you", "the answers are still there"


def test_finish_now_by_keyboard_and_for_screen_readers(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    """The dialog is named, described and modal; its two buttons are reached by Tab in
    order; Enter means more time, and Space on "Finish now" clears the screen."""
    page = kiosk.page
    begin(page, kiosk_server.url)
    in_scope(page)
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    dialog = page.get_by_role("dialog", name="Do you need more time?")
    assert dialog.is_visible() and dialog.evaluate("d => d.matches(':modal')")
    described = dialog.evaluate(
        "d => document.getElementById(d.getAttribute('aria-describedby')).textContent"
    )
    assert described.startswith("For your privacy, this screen will clear in")
    snapshot = dialog.aria_snapshot()
    for line in (
        '- dialog "Do you need more time?"',
        '- button "I need more time"',
        '- button "Finish now"',
    ):
        assert line in snapshot, snapshot
    focused = "document.activeElement.textContent.trim()"
    assert page.evaluate(focused) == "I need more time", "focus goes into the dialog"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Finish now"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == "I need more time"
    page.keyboard.press("Enter")
    assert page.locator("dialog#kiosk-timeout[open]").count() == 0, "Enter: more time"
    assert question_id(page) == "cannot_urinate", "the answers are still there"
    # The countdown would clear the screen on its own: give it ten minutes, so that only
    # "Finish now" can have done it (kiosk.js reads this when the dialog opens).
    page.evaluate("document.body.dataset.kioskCountdown = '600'")
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Finish now"
    with page.expect_request("**/finish", timeout=3000):
        page.keyboard.press("Space")
    at_start_with_nothing_behind(page)


def test_finish_now_by_touch(kiosk: Watched, kiosk_server: LiveServer) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    in_scope(page)
    page.evaluate("document.body.dataset.kioskCountdown = '600'")  # only the tap clears it
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    buttons = page.locator("dialog#kiosk-timeout button")
    boxes = [buttons.nth(i).bounding_box() for i in range(2)]
    assert all(b and b["width"] >= 44 and b["height"] >= 44 for b in boxes)
    assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 1, "side by side"
    assert boxes[0]["x"] < boxes[1]["x"], "more time first"
    with page.expect_request("**/finish", timeout=3000):
        page.get_by_role("button", name="Finish now").tap()
    at_start_with_nothing_behind(page)


def font_size(page: Page, selector: str) -> list[float]:
    sizes: list[float] = page.eval_on_selector_all(
        selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes, selector
    return sizes


def test_kiosk_text_sizes_and_the_header_languages_line_up(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    page.goto(kiosk_server.url + "/")
    body = font_size(page, "body")[0]
    assert body == 22
    assert font_size(page, ".lead")[0] >= body, "the lead is at least the body's size"
    begin(page, kiosk_server.url)
    # "English" (text) and "Español" (a button): boxes and text on one line.
    shown = page.evaluate("""() => [...document.querySelectorAll('header .languages li > *')]
      .map(el => { const box = el.getBoundingClientRect(); const range = document.createRange();
                   range.selectNodeContents(el); const text = range.getBoundingClientRect();
                   return {what: el.textContent, middle: box.top + box.height / 2,
                           height: box.height, top: text.top, bottom: text.bottom}; })""")
    assert [item["what"] for item in shown] == ["English", "Español"]
    english, spanish = shown
    assert english["height"] >= 44 and spanish["height"] >= 44
    for key in ("middle", "top", "bottom"):
        assert abs(english[key] - spanish[key]) <= 1, (key, shown)
    to_check(page, {})
    for part in (".summary dt", ".summary__answer", ".summary .link-button"):
        assert min(font_size(page, part)) >= body, f"check your answers: {part}"
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome")
    for part in (".summary dt", ".summary__answer"):
        assert min(font_size(page, part)) >= body, f"the answers on the result: {part}"


def test_expiry_returns_to_start_with_nothing_behind(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    in_scope(page)
    choose(page, "Yes")
    choose(page, "Not sure")
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    page.wait_for_url(kiosk_server.url + "/", timeout=8000)
    at_start_with_nothing_behind(page)


def test_finish_wipes_and_back_shows_nothing(kiosk: Watched, kiosk_server: LiveServer) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    to_check(page, OUTCOMES["clinician"][0])
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome")
    with page.expect_response(kiosk_server.url + "/finish") as finished:
        tap(page, "Finish", role="link")
    assert finished.value.all_headers()["clear-site-data"] == '"cache", "storage"'
    at_start_with_nothing_behind(page)


def test_page_restored_from_back_forward_cache_goes_to_start(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    in_scope(page)
    with page.expect_navigation():
        page.evaluate("dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    page.wait_for_selector("button:has-text('Start')")
    no_answers_left(page)


@pytest.fixture(scope="module")
def short_lived() -> Iterator[LiveServer]:
    with LiveServer({**KIOSK, "ANSWERS_TTL": 4}) as server:
        yield server


def test_more_time_renews_the_answers_too(chromium: Browser, short_lived: LiveServer) -> None:
    """Answers live 4 s here; two extensions take longer, and the answers still count."""
    context = chromium.new_context(viewport={"width": 1080, "height": 1920})
    watched = Watched(context, short_lived.url)
    page = watched.page
    try:
        begin(page, short_lived.url)
        in_scope(page)
        for _ in range(2):
            page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
            page.get_by_role("button", name="I need more time").click()
        page.wait_for_timeout(500)
        assert question_id(page) == "cannot_urinate"
        choose(page, "No")
        asked = [q.id for q in SHOWN.flow if q.when is None]
        assert question_id(page) == asked[2], "the renewed answers were accepted"
        watched.assert_clean()
    finally:
        context.close()


def at_start_with_nothing_behind(page: Page) -> None:
    """The start page is shown, and neither history.back() nor the Back button reaches answers."""
    page.wait_for_selector("button:has-text('Start')")
    assert h1(page) == START
    no_answers_left(page)
    page.evaluate("setTimeout(() => history.back(), 0)")
    page.wait_for_timeout(800)
    page.wait_for_load_state()
    no_answers_left(page)
    page.go_back()
    no_answers_left(page)


def touch_targets(page: Page) -> list[dict[str, object]]:
    return page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden])')]
      .filter(el => el.getClientRects().length)
      .map(el => { const r = el.getBoundingClientRect();
                   return {what: el.outerHTML.slice(0, 70), w: r.width, h: r.height}; })
      .filter(t => t.w < 44 || t.h < 44)""")


def test_every_kiosk_page_has_44px_targets_and_passes_axe(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    page.goto(kiosk_server.url + "/")
    assert touch_targets(page) == [], "start"
    axe_clean(page, "kiosk start")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("form[action='/answer']")
    assert touch_targets(page) == [], "question"
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector(".error-summary")
    # autofocus runs at the page's first rendering update, which may come after "load".
    page.wait_for_function(
        "document.activeElement.classList.contains('error-summary')", timeout=5000
    )
    assert page.title().startswith("Error: ")
    assert touch_targets(page) == [], "question with error"
    axe_clean(page, "kiosk question with error")
    to_check(page, {})
    assert touch_targets(page) == [], "check your answers"
    axe_clean(page, "kiosk check your answers")
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome")
    assert touch_targets(page) == [], "result"
    axe_clean(page, "kiosk result")
    screenshot(page, "kiosk-info-result")


def test_kiosk_works_without_javascript(chromium: Browser, kiosk_server: LiveServer) -> None:
    context = chromium.new_context(java_script_enabled=False)
    watched = Watched(context, kiosk_server.url)
    page = watched.page
    try:
        page.goto(kiosk_server.url + "/")
        with page.expect_navigation():
            page.get_by_role("button", name="Start").click()
        while (qid := question_id(page)) is not None:
            page.locator(f"input[name=answer][value={IN_SCOPE.get(str(qid), 'no')}]").check()
            with page.expect_navigation():
                page.get_by_role("button", name="Continue").click()
        with page.expect_navigation():
            page.get_by_role("button", name="See my result").click()
        assert h1(page) == OUTCOMES["info"][1]
        with page.expect_navigation():
            page.get_by_role("link", name="Finish").click()
        assert h1(page) == START
        watched.assert_clean()
    finally:
        context.close()


def test_the_emergency_result_on_a_kiosk(kiosk: Watched, kiosk_server: LiveServer) -> None:
    """Tell a member of staff now: first, focused, and in the staff panel."""
    page = kiosk.page
    begin(page, kiosk_server.url)
    to_check(page, OUTCOMES["emergency"][0])
    page.get_by_role("button", name="See my result").click()
    page.wait_for_selector(".outcome--emergency")
    line = SHOWN.outcome_by_id["emergency"].kiosk
    assert line and line.startswith("Tell a member of staff now")
    assert page.evaluate("document.activeElement.textContent") == line
    assert page.locator(".staff-panel--emergency .staff-panel__title").inner_text() == line
    panel = page.locator(".staff-panel").bounding_box()
    heading = page.locator("h1").bounding_box()
    assert panel and heading and panel["y"] < heading["y"], "the staff panel comes first"
    says_the_emergency_line_once(page)
    assert touch_targets(page) == [], "emergency result"
    axe_clean(page, "kiosk emergency result")
    screenshot(page, "kiosk-emergency-result")


def test_the_outside_page_on_a_kiosk_clears_itself(
    kiosk: Watched, kiosk_server: LiveServer
) -> None:
    page = kiosk.page
    begin(page, kiosk_server.url)
    length = page.evaluate("history.length")
    choose(page, "", value="no")
    page.wait_for_selector(".outside")
    assert h1(page) == OUTSIDE_TITLE
    assert page.evaluate("history.length") == length
    assert page.evaluate("document.body.dataset.kioskIdle") == "3", "private, like a result"
    assert touch_targets(page) == [], "outside page"
    axe_clean(page, "kiosk outside page")
    says_the_emergency_line_once(page)
    screenshot(page, "kiosk-outside")
    assert page.get_by_role("link", name="Finish").is_visible()
    page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
    page.wait_for_url(kiosk_server.url + "/", timeout=8000)
    at_start_with_nothing_behind(page)
