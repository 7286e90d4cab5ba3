"""Not one console message from Screener's own headers, on any page type, in Debian's Chromium.

Chromium reports a header it cannot fully use (a Permissions-Policy feature it does
not know, a Content-Security-Policy directive it ignores ...) as a console warning on
every page, where it hides real problems. Playwright passes those on as console
messages, and the DevTools protocol's Log domain has them with their source; both
are collected here, every level of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from screener.security import PERMISSIONS_POLICY
from tests.browser.conftest import LiveServer
from tests.browser.test_embed import HostSite, embedding_site
from tests.browser.test_kiosk import KIOSK
from tests.browser.test_pages import OUTCOMES, choose, press, question_id, walk
from tests.conftest import IN_SCOPE

# What a console message must not mention, whatever its level: Screener's headers.
ABOUT_HEADERS = re.compile(
    r"permissions[- ]policy|feature[- ]policy|content[- ]security[- ]policy|\bfeature\b"
    r"|x-frame-options|cross-origin-(opener|resource|embedder)-policy|referrer[- ]policy"
    r"|strict-transport-security|header",
    re.IGNORECASE,
)
# Loading a page that answers with an error status is reported as an error of its own;
# that is the status, not a header, and only the statuses a test asks for are let by.
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
# Finish (kiosk mode) sends Clear-Site-Data on purpose, and Chromium confirms, at the
# info level, that it did what it was told: the header working, not a problem with it.
CLEARED = re.compile(
    r"Clear-Site-Data header on '[^']+/finish': Cleared data types: \"cache\", \"storage\"\.$"
)


class Console:
    """Every console message of a page and of its frames (Playwright's console events),
    and every entry of the browser's own log for the page (the Log domain)."""

    def __init__(self, page: Page) -> None:
        self.messages: list[tuple[str, str, str, str]] = []  # (where, level, text, url)
        self.statuses: set[int] = set()
        page.on("console", self._console)
        session = page.context.new_cdp_session(page)
        session.on("Log.entryAdded", self._log)
        session.send("Log.enable")

    def _console(self, message: Any) -> None:
        url = message.location.get("url", "")
        self.messages.append(("console", message.type, message.text, url))

    def _log(self, event: dict[str, Any]) -> None:
        entry = event["entry"]
        where = f"log/{entry['source']}"
        self.messages.append((where, entry["level"], entry["text"], entry.get("url", "")))

    def expect_status(self, status: int) -> None:
        """Let by the message that a page answered with this status (asked for)."""
        self.statuses.add(status)

    def offending(self) -> list[tuple[str, str, str, str]]:
        """Each message about a header, and each warning or error of any kind."""
        found = []
        for where, level, text, url in self.messages:
            failed = FAILED_LOAD.match(text)
            if failed and int(failed.group(1)) in self.statuses:
                continue
            if failed and failed.group(1) == "404" and url.endswith("/favicon.ico"):
                continue  # asked for by Chromium itself beside a JSON document (no <link>)
            if level == "info" and CLEARED.match(text):
                continue
            if ABOUT_HEADERS.search(text) or level in ("warning", "error"):
                found.append((where, level, text, url))
        return found

    def assert_clean(self) -> None:
        assert self.offending() == []


@pytest.fixture
def console_page(context: BrowserContext) -> Iterator[tuple[Page, Console]]:
    page = context.new_page()
    console = Console(page)
    yield page, console
    console.assert_clean()


@pytest.fixture(scope="module")
def kiosk_server() -> Iterator[LiveServer]:
    with LiveServer(KIOSK) as server:
        yield server


@pytest.fixture(scope="module")
def embed_sites() -> Iterator[tuple[HostSite, LiveServer]]:
    with embedding_site() as pair:
        yield pair


def test_the_collector_sees_a_header_chromium_does_not_know(
    context: BrowserContext, live: LiveServer
) -> None:
    """The check itself: a page served with a feature Chromium does not recognise (as
    'web-share' was) is caught, so a clean run means something."""
    page = context.new_page()
    console = Console(page)
    page.route(
        live.url + "/test-only-canary",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Permissions-Policy": PERMISSIONS_POLICY + ", web-share=()"},
            body="<!doctype html><title>canary</title><h1>canary</h1>",
        ),
    )
    page.goto(live.url + "/test-only-canary")
    page.wait_for_timeout(200)
    offending = console.offending()
    assert any("web-share" in text for _, _, text, _ in offending), console.messages
    assert {where for where, _, text, _ in offending if "web-share" in text} == {
        "console",
        "log/security",
    }, "both Playwright and the browser's log report it"
    page.close()


def test_every_page_of_the_site(console_page: tuple[Page, Console], live: LiveServer) -> None:
    page, _ = console_page  # the fixture checks the messages when the test is done
    for outcome, (answers, title) in OUTCOMES.items():
        page.goto(live.url + "/")
        press(page, "Start")
        walk(page, answers)
        assert page.locator("h1").inner_text() == "Check your answers", outcome
        press(page, "See my result")
        assert page.locator("h1").inner_text() == title
    page.goto(live.url + "/")
    press(page, "Start")
    assert question_id(page) == "for_you"
    choose(page, IN_SCOPE["for_you"])
    press(page, "Continue")  # no answer: the question with its error
    assert page.title().startswith("Error: ")
    page.goto(live.url + "/")
    press(page, "Start")
    choose(page, "no")  # outside the scope
    assert page.locator(".outside").count() == 1
    page.goto(live.url + "/es/")
    press(page, "Empezar")
    page.locator("input[name=answer][value=yes]").check()
    press(page, "Continuar")
    assert page.url == live.url + "/es/answer"
    page.goto(live.url + "/es")  # redirected to /es/
    assert page.url == live.url + "/es/"
    for path in ("/healthz", "/api/v1/openapi.json", "/api/v1/questionnaire", "/embed.js"):
        page.goto(live.url + path)


def test_every_error_page(console_page: tuple[Page, Console], live: LiveServer) -> None:
    page, console = console_page
    for status in (400, 404, 405, 414, 431):
        console.expect_status(status)
    assert page.goto(live.url + "/no/such/page").status == 404  # type: ignore[union-attr]
    assert page.goto(live.url + "/es/no/such/page").status == 404  # type: ignore[union-attr]
    assert page.goto(live.url + "/api/v1/nothing").status == 404  # type: ignore[union-attr]
    assert page.goto(live.url + "/answer").status == 405  # type: ignore[union-attr]
    assert page.goto(live.url + "/?" + "x" * 5000).status == 414  # type: ignore[union-attr]
    page.set_extra_http_headers({f"X-Pad-{i}": "x" for i in range(101)})
    assert page.goto(live.url + "/").status == 431  # type: ignore[union-attr]
    page.set_extra_http_headers({})
    page.goto(live.url + "/")
    press(page, "Start")
    page.locator("main input[name=token]").evaluate("el => el.value = 'tampered'")
    choose(page, IN_SCOPE["for_you"])
    assert page.locator("h1").inner_text() == "Your answers have expired"


def test_every_embed_page_framed_and_alone(
    chromium: Browser, embed_sites: tuple[HostSite, LiveServer]
) -> None:
    site, screener = embed_sites
    context = chromium.new_context(viewport={"width": 900, "height": 900})
    try:
        page = context.new_page()
        console = Console(page)
        for path in ("/embed/", "/embed/es/"):
            page.goto(screener.url + path)
        press(page, "Empezar")
        page.goto(screener.url + f"/embed/?host={site.origin}")
        press(page, "Start")
        page.locator("input[name=answer][value=yes]").check()
        press(page, "Continue")
        assert page.url == screener.url + "/embed/answer"
        page.goto(site.origin + "/")  # in the host page's frame
        page.wait_for_selector("iframe[data-screener-frame]")
        frame = next(f for f in page.frames if f.url.startswith(screener.url))
        frame.wait_for_selector("h1")
        frame.get_by_role("button", name="Start").click()
        frame.wait_for_selector("form[action='/embed/answer']")
        page.wait_for_timeout(300)
        console.assert_clean()
    finally:
        context.close()


def test_every_kiosk_page(chromium: Browser, kiosk_server: LiveServer) -> None:
    context = chromium.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    try:
        page = context.new_page()
        console = Console(page)
        page.goto(kiosk_server.url + "/")
        page.get_by_role("button", name="Start").click()
        page.wait_for_selector("form[action='/answer']")
        page.wait_for_selector("dialog#kiosk-timeout[open]", timeout=6000)
        page.get_by_role("button", name="I need more time").click()
        page.goto(kiosk_server.url + "/finish")
        page.wait_for_timeout(300)
        console.assert_clean()
    finally:
        context.close()
