"""Screener embedded in another site's page, in real Chromium with third-party cookies blocked."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Page, Playwright

from tests.browser.conftest import CHROMIUM, FLAGS, LiveServer, screenshot
from tests.browser.test_pages import OUTCOMES, OUTSIDE_TITLE, SHOWN, axe_clean
from tests.conftest import IN_SCOPE

HOST_PAGE = (Path(__file__).resolve().parents[2] / "examples" / "host.html").read_text()


class HostSite:
    """The example host page on a site of its own, http://localhost:PORT."""

    def __init__(self) -> None:
        self.screener = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = HOST_PAGE.replace("http://127.0.0.1:8000", site.screener)
                if self.path == "/es":  # the same page, with the language fixed
                    page = page.replace("data-screener ", 'data-screener data-lang="es" ', 1)
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                """Keep the test output quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@contextlib.contextmanager
def embedding_site() -> Iterator[tuple[HostSite, LiveServer]]:
    """A host site on the allow-list, and Screener on 127.0.0.1 that it may embed."""
    site = HostSite()
    with LiveServer({"EMBED_ORIGINS": [site.origin]}) as screener:
        site.screener = screener.url
        yield site, screener
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[HostSite, HostSite, LiveServer]]:
    """A host site on the allow-list, one that is not, and Screener on 127.0.0.1."""
    allowed, other = HostSite(), HostSite()
    with LiveServer({"EMBED_ORIGINS": [allowed.origin]}) as screener:
        allowed.screener = other.screener = screener.url
        yield allowed, other, screener
    for site in (allowed, other):
        site.server.shutdown()
        site.server.server_close()


@pytest.fixture(scope="module")
def blocking(playwright: Playwright) -> Iterator[Browser]:
    """Chromium blocking third-party cookies."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*FLAGS, "--test-third-party-cookie-phaseout"]
    )
    yield browser
    browser.close()


def screener_frame(page: Page, screener: str) -> Frame:
    page.wait_for_selector("iframe[data-screener-frame]")
    frame = next(f for f in page.frames if f.url.startswith(screener))
    frame.wait_for_selector("h1")
    return frame


def frame_height(page: Page) -> float:
    return float(
        page.eval_on_selector(
            "iframe[data-screener-frame]", "f => f.getBoundingClientRect().height"
        )
    )


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_whole_flow_inside_another_site(
    blocking: Browser, sites: tuple[HostSite, HostSite, LiveServer], outcome: str
) -> None:
    allowed, _, screener = sites
    answers, title = OUTCOMES[outcome]
    context = blocking.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(allowed.origin + "/")
        frame = screener_frame(page, screener.url)
        assert page.locator("iframe[data-screener-frame]").get_attribute("title") == (
            "Prostate massage safety questions"
        )
        start_height = frame_height(page)
        frame.get_by_role("button", name="Start").click()
        frame.wait_for_selector("form[action='/embed/answer']")
        if outcome == "info":
            axe_clean(frame, "embedded question")  # type: ignore[arg-type]
        # What a person must read stays in the frame: the emergency line, "not a
        # diagnosis" and the review status.
        assert SHOWN.emergency and frame.get_by_text(SHOWN.emergency, exact=True).is_visible()
        footer = frame.locator("footer")
        assert footer.is_visible() and "not a diagnosis" in footer.inner_text()
        assert frame.locator(".review-notice").count() == 1
        assert "not yet been checked by a clinician" in frame.locator(".review-notice").inner_text()
        while (q := frame.locator("form[action='/embed/answer'] input[name=question]")).count():
            qid = str(q.get_attribute("value"))
            if qid in IN_SCOPE and qid not in answers:
                frame.locator(f"input[name=answer][value={IN_SCOPE[qid]}]").check()
            else:
                frame.get_by_label(answers.get(qid, "No"), exact=True).check()
            frame.get_by_role("button", name="Continue").click()
            frame.wait_for_function(
                "q => !document.querySelector(\"form[action='/embed/answer'] input[name=question]\")"
                " || document.querySelector(\"form[action='/embed/answer'] input[name=question]\").value !== q",
                arg=qid,
            )
        frame.wait_for_selector("h1:has-text('Check your answers')")
        page.wait_for_function(
            "h => document.querySelector('iframe[data-screener-frame]').getBoundingClientRect().height > h",
            arg=start_height,
        )
        check_height = frame_height(page)
        content = frame.evaluate("document.body.getBoundingClientRect().height")
        assert 0 <= check_height - content < 80, "the frame fits its content, in 80 px steps"
        frame.get_by_role("button", name="See my result").click()
        frame.wait_for_selector(".outcome")
        assert frame.locator("h1").inner_text() == title
        page.wait_for_function("window.screenerEvents.length > 0")
        events = page.evaluate("window.screenerEvents")
        severity = SHOWN.outcome_by_id[outcome].severity
        assert events == [{"outcome": outcome, "severity": severity, "version": "2.0.0"}]
        assert frame.get_by_text(SHOWN.emergency, exact=True).is_visible()
        page.wait_for_function(
            "h => Math.abs(document.querySelector('iframe[data-screener-frame]')"
            ".getBoundingClientRect().height - h) > 1",
            arg=check_height,
        )
        axe_clean(frame, f"embedded {outcome} result")  # type: ignore[arg-type]
        screenshot(page, f"embedded-{outcome}")
        assert page.evaluate("document.cookie") == ""
        assert errors == []
    finally:
        context.close()


def test_outside_the_scope_the_host_hears_nothing(
    blocking: Browser, sites: tuple[HostSite, HostSite, LiveServer]
) -> None:
    """No event at all: being outside the scope is itself an answer."""
    allowed, _, screener = sites
    context = blocking.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(allowed.origin + "/")
        page.evaluate(
            "window.outsideEvents = [];"
            " document.addEventListener('screener:outside', e => window.outsideEvents.push("
            "{detail: e.detail, target: e.target.hasAttribute('data-screener')}))"
        )
        frame = screener_frame(page, screener.url)
        frame.get_by_role("button", name="Start").click()
        frame.wait_for_selector("form[action='/embed/answer']")
        frame.locator("input[name=answer][value=no]").check()
        frame.get_by_role("button", name="Continue").click()
        frame.wait_for_selector(".outside")
        assert frame.locator("h1").inner_text() == OUTSIDE_TITLE
        page.wait_for_timeout(300)
        assert page.evaluate("window.outsideEvents") == []
        assert page.evaluate("window.screenerEvents") == [], "no outcome, no complete event"
        assert SHOWN.emergency and frame.get_by_text(SHOWN.emergency, exact=True).is_visible()
        assert "not a diagnosis" in frame.locator("footer").inner_text()
        axe_clean(frame, "embedded outside page")  # type: ignore[arg-type]
        screenshot(page, "embedded-outside")
        frame.get_by_role("button", name="Change your answer").click()
        frame.wait_for_selector("input[name=answer][value=no]:checked")
        assert errors == []
    finally:
        context.close()


def test_a_site_not_on_the_allow_list_cannot_frame_screener(
    blocking: Browser, sites: tuple[HostSite, HostSite, LiveServer]
) -> None:
    _, other, screener = sites
    context = blocking.new_context()
    page = context.new_page()
    try:
        with page.expect_response(lambda r: r.url.startswith(screener.url + "/embed/")) as framed:
            page.goto(other.origin + "/")
        assert other.origin not in framed.value.headers["content-security-policy"]
        page.wait_for_timeout(500)
        frame = next((f for f in page.frames if f is not page.main_frame), None)
        assert frame is not None
        assert not frame.url.startswith(screener.url), "the browser refused to show Screener"
        assert SHOWN.title not in frame.content()
        page.wait_for_timeout(300)
        assert page.evaluate("window.screenerEvents") == []
    finally:
        context.close()


def test_messages_from_elsewhere_are_ignored(
    blocking: Browser, sites: tuple[HostSite, HostSite, LiveServer]
) -> None:
    allowed, _, screener = sites
    context = blocking.new_context()
    page = context.new_page()
    try:
        page.goto(allowed.origin + "/")
        screener_frame(page, screener.url)
        height = frame_height(page)
        page.evaluate(
            "window.postMessage({type: 'screener:complete', outcome: 'info', severity: 1,"
            " version: 'x'}, '*'); window.postMessage({type: 'screener:height', height: 5}, '*')"
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.screenerEvents") == []
        assert frame_height(page) == height
    finally:
        context.close()


def test_the_host_page_can_fix_the_language(
    blocking: Browser, sites: tuple[HostSite, HostSite, LiveServer]
) -> None:
    allowed, _, screener = sites
    context = blocking.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(allowed.origin + "/es")
        frame = screener_frame(page, screener.url)
        assert frame.url.startswith(screener.url + "/embed/es/?host=")
        assert frame.locator("html").get_attribute("lang") == "es"
        frame.locator("form[action$='/start'] button").click()
        frame.wait_for_selector("form[action='/embed/es/answer']")
        assert frame.locator(".caption").inner_text().startswith("Pregunta 1 de unas ")
        page.goto(allowed.origin + "/")  # without data-lang, the browser's language
        frame = screener_frame(page, screener.url)
        assert frame.locator("html").get_attribute("lang") == "en-GB"
    finally:
        context.close()
