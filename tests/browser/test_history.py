"""The browser's Back and Forward with JavaScript on (screener/static/screener.js), in real
Chromium: each question is a history entry holding only its step number, the answers stay
in the page, there is never a resubmission page, and nothing answered comes back once the
screening has finished, from history or from the back/forward cache."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Error, Page, Playwright

from tests.browser.conftest import CHROMIUM, FLAGS, LiveServer, Watched
from tests.browser.test_embed import HostSite, embedding_site, screener_frame
from tests.browser.test_kiosk import no_answers_left
from tests.browser.test_pages import OUTCOMES, SHOWN, choose, h1, press, start, walk
from tests.conftest import IN_SCOPE

QUESTION = "form[action$='/answer'] input[name=question]"
# A start page drawn anew, its script started (it numbers its history entry).
FRESH_START = """() => !!document.querySelector("form[action$='/start'] button")
  && !document.querySelector('input[name=token]') && (history.state || {}).step === 0"""
SHOWN_NOW = """q => { const field = document.querySelector(q);
  const chosen = document.querySelector('input[name=answer]:checked');
  return [field && field.value, chosen && chosen.value]; }"""


def shown(page: Page) -> tuple[str | None, str | None]:
    """The question on the page, and the answer selected on it."""
    question, answer = page.evaluate(SHOWN_NOW, QUESTION)
    return question, answer


def wait_for(page: Page, qid: str) -> None:
    """Wait until the page shows question ``qid`` (screener.js swaps it in after a fetch)."""
    page.wait_for_function(
        "([q, id]) => (document.querySelector(q) || {}).value === id", arg=[QUESTION, qid]
    )


def as_after_a_full_load(page: Page, step: int) -> None:
    """The entry holds only the step number, and its address is a form's, with nothing
    answered in it; the title and focus are as a new page's; no error page in sight."""
    assert page.evaluate("history.state") == {"step": step}
    address = urlsplit(page.url)
    assert address.path in ("/start", "/answer", "/back", "/es/show", "/es/back")
    assert address.query == "" and address.fragment == ""
    token = page.locator("main input[name=token]").first.get_attribute("value")
    assert token and token not in page.url
    assert page.title() == f"{h1(page)} \N{EN DASH} {SHOWN.title}"
    assert page.evaluate("document.activeElement.tagName") == "H1", "focus on the heading"
    html = page.content()
    assert "ERR_CACHE_MISS" not in html and "Confirm Form Resubmission" not in html


def test_back_three_times_then_forward_keeps_every_answer(
    watched: Watched, live: LiveServer
) -> None:
    page = watched.page
    page.goto(live.url + "/")
    press(page, "Start")
    entries = page.evaluate("history.length")
    given: dict[str, str] = {}
    for value in ("yes", "no", "unsure", "no"):
        qid = str(shown(page)[0])
        given[qid] = IN_SCOPE.get(qid, value)
        choose(page, given[qid])
    order = list(given)
    fifth = shown(page)[0]
    assert fifth not in given and page.evaluate("history.length") == entries + 4
    as_after_a_full_load(page, 5)

    # An error shows the same question again, in the same entry, the error summary focused.
    press(page, "Continue")
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.evaluate("history.length") == entries + 4
    # Its link moves focus to the first answer, without an entry or a #fragment.
    page.locator(".error-summary a").click()
    assert page.evaluate("[document.activeElement.name, location.hash]") == ["answer", ""]
    assert page.evaluate("history.length") == entries + 4

    for step, qid in ((4, order[3]), (3, order[2]), (2, order[1])):
        page.go_back()
        wait_for(page, qid)
        assert shown(page) == (qid, given[qid]), "the answer given is selected"
        as_after_a_full_load(page, step)
    page.go_forward()
    wait_for(page, order[2])
    assert shown(page) == (order[2], given[order[2]])
    as_after_a_full_load(page, 3)

    # The later answers were kept all along.
    choose(page, given[order[2]])
    assert shown(page) == (order[3], given[order[3]])
    as_after_a_full_load(page, 4)
    # The page's own Back button steps back through history too.
    length = page.evaluate("history.length")
    press(page, "Back")
    assert shown(page) == (order[2], given[order[2]])
    assert page.evaluate("history.length") == length
    as_after_a_full_load(page, 3)

    # Another language draws the same page in the same entry; Back goes on in it.
    press(page, "Español")
    assert page.locator("html").get_attribute("lang") == "es"
    assert shown(page) == (order[2], given[order[2]])
    assert page.evaluate("history.length") == length
    assert page.evaluate("history.state") == {"step": 3}
    page.go_back()
    wait_for(page, order[1])
    assert shown(page) == (order[1], given[order[1]])
    assert page.evaluate("document.documentElement.lang") == "es"
    assert urlsplit(page.url).path == "/answer" and page.evaluate("history.state") == {"step": 2}


def test_back_from_a_result_shows_a_fresh_start(watched: Watched, live: LiveServer) -> None:
    """The result holds no answers token: nothing before it can be shown again."""
    page = watched.page
    start(page, live.url)
    walk(page, OUTCOMES["urgent"][0])
    press(page, "See my result")
    assert h1(page) == OUTCOMES["urgent"][1]
    page.go_back()
    page.wait_for_function(FRESH_START)
    page.wait_for_load_state()
    no_answers_left(page)
    assert OUTCOMES["urgent"][1] not in page.content()
    assert page.url == live.url + "/"
    # Forward, into what is left of the screening's entries, shows nothing answered either.
    # The entries ahead belonged to the page that was replaced: Forward moves to one.
    watched.expect_status(405)  # an entry's address opened anew, if the browser does so
    page.go_forward()
    page.wait_for_url(lambda url: url != live.url + "/")
    page.wait_for_load_state()
    no_answers_left(page)
    assert OUTCOMES["urgent"][1] not in page.content()


@pytest.fixture(scope="module")
def caching(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with its back/forward cache on, as people have it (Playwright turns it off)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=FLAGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield browser
    browser.close()


def test_nothing_answered_comes_back_from_the_back_forward_cache(
    caching: Browser, live: LiveServer
) -> None:
    context = caching.new_context()
    watched = Watched(context, live.url)
    page = watched.page
    events: list[str] = []
    session = context.new_cdp_session(page)
    session.on("Page.frameNavigated", lambda event: events.append(event.get("type", "")))
    session.on("Page.backForwardCacheNotUsed", lambda event: events.append("NotCached"))
    session.send("Page.enable")

    def back() -> list[str]:
        """Go back; what the browser did, once the page has settled."""
        events.clear()
        page.go_back(wait_until="commit")
        page.wait_for_function(FRESH_START + " || !!document.querySelector('h1')")
        page.wait_for_timeout(300)
        page.wait_for_load_state()
        return list(events)

    try:
        # A start page is kept by Chromium; when it comes back it is drawn afresh.
        page.goto(live.url + "/")
        page.goto(live.url + "/es/")
        assert back()[:2] == ["BackForwardCacheRestore", "Navigation"]
        page.wait_for_function(FRESH_START)

        # A screening's pages came by fetch, with Cache-Control: no-store: Chromium keeps
        # no such page, so Back after the result meets only an address.
        press(page, "Start")
        walk(page, OUTCOMES["clinician"][0])
        press(page, "See my result")
        assert h1(page) == OUTCOMES["clinician"][1]
        press(page, "Start again", role="link")
        watched.expect_status(405)
        assert "BackForwardCacheRestore" not in back()
        assert h1(page) == "This page cannot be opened directly"
        no_answers_left(page)

        # A browser that did keep it gets it empty, and shows a fresh start page instead.
        start(page, live.url)
        choose(page, "yes")
        page.evaluate("dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
        assert page.evaluate("[document.body.textContent, document.title]") == ["", ""]
        with page.expect_navigation():
            page.evaluate("dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
        page.wait_for_function(FRESH_START)
        no_answers_left(page)
        watched.assert_clean()
    finally:
        context.close()


def test_without_javascript_the_browser_asks_to_resubmit(
    chromium: Browser, live: LiveServer
) -> None:
    """As docs/design.md says: the page's own Back button is the way back."""
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        start(page, live.url)
        choose(page, "yes")
        with pytest.raises(Error, match="ERR_CACHE_MISS"):
            page.go_back()
    finally:
        context.close()


@pytest.fixture(scope="module")
def framed() -> Iterator[tuple[HostSite, LiveServer]]:
    with embedding_site() as pair:
        yield pair


def test_back_and_forward_in_an_embedding_sites_page(
    chromium: Browser, framed: tuple[HostSite, LiveServer]
) -> None:
    """The frame's entries are the host page's history too: its Back steps through them."""
    site, screener = framed
    context = chromium.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(site.origin + "/")
        frame = screener_frame(page, screener.url)
        frame.get_by_role("button", name="Start").click()
        frame.wait_for_selector("form[action='/embed/answer']")
        seen = []
        for value in ("yes", "unsure"):
            qid = frame.locator(QUESTION).get_attribute("value")
            seen.append((qid, value))
            frame.locator(f"input[name=answer][value={value}]").check()
            frame.get_by_role("button", name="Continue").click()
            frame.wait_for_function(
                "([q, id]) => document.querySelector(q).value !== id", arg=[QUESTION, qid]
            )
        page.evaluate("history.back()")
        frame.wait_for_function(
            "([q, id]) => document.querySelector(q).value === id", arg=[QUESTION, seen[1][0]]
        )
        assert frame.evaluate(SHOWN_NOW, QUESTION) == list(seen[1])
        assert frame.evaluate("history.state") == {"step": 2}
        page.evaluate("history.forward()")
        frame.wait_for_function(
            "([q, id]) => document.querySelector(q).value !== id", arg=[QUESTION, seen[1][0]]
        )
        assert frame.evaluate("history.state") == {"step": 3}
        assert page.url == site.origin + "/", "the host page stays where it is"
        assert errors == []
    finally:
        context.close()


def test_a_back_that_fails_leaves_history_and_the_page_in_step(
    watched: Watched, live: LiveServer
) -> None:
    """The Back request gets no answer: history returns to the entry of the page still
    shown, so the next Back shows the question before it, not one question off."""
    page = watched.page
    start(page, live.url)
    order = []
    for _ in range(3):
        wait_for(page, str(page.locator(QUESTION).get_attribute("value")))
        order.append(shown(page)[0])
        choose(page, IN_SCOPE.get(str(order[-1]), "no"))
    fourth = page.locator(QUESTION).get_attribute("value")
    assert page.evaluate("history.state") == {"step": 4}
    page.route("**/back", lambda route: route.abort())
    with page.expect_event("requestfailed"):
        page.go_back()
    page.wait_for_function("() => (history.state || {}).step === 4")
    assert shown(page)[0] == fourth, "the page shown is still the fourth question"
    page.unroute("**/back")
    watched.failed.clear()  # the Back this test made fail
    page.go_back()
    wait_for(page, str(order[2]))
    assert page.evaluate("history.state") == {"step": 3}


def test_a_server_failure_is_not_swapped_in_over_the_answers(
    watched: Watched, live: LiveServer
) -> None:
    """A proxy's 502 (not a page of Screener's) is not put in place of the question: the
    form is sent the ordinary way instead, as without JavaScript."""
    page = watched.page
    start(page, live.url)
    choose(page, "yes")  # inside the scope
    wait_for(page, "cannot_urinate")
    failures = []

    def fail_once(route):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(route.request.url)
            route.fulfill(status=502, body="Bad gateway", content_type="text/plain")
        else:
            route.continue_()

    page.route("**/answer", fail_once)
    watched.expect_status(502)
    with page.expect_navigation():
        choose(page, "no")
    assert failures, "the fetch met the failure"
    wait_for(page, "very_unwell_now")  # the form sent again, the ordinary way
    assert page.evaluate("document.querySelector('main h1') !== null")
