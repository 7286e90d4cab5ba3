"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from screener import create_app

CHROMIUM = os.environ.get("SCREENER_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECRET = "browser test secret"

pytestmark = pytest.mark.browser


class LiveServer:
    """The app on a free loopback port, in a thread, for the whole session."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = create_app({"TESTING": False, "SECRET_KEY": SECRET, **(config or {})})
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    with LiveServer() as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield browser
    browser.close()


class Watched:
    """A page whose console errors, failed requests and foreign hosts are recorded."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.expected: set[int] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.method} {r.url}"))
        self.page.on("request", self._request)
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # HTTP errors are judged from the responses themselves (below), precisely.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status < 400:
            return
        request = response.request
        navigation = request.is_navigation_request() and response.frame == self.page.main_frame
        # screener.js fetches each page after the first and swaps it in place.
        fetched = request.resource_type == "fetch"
        if not ((navigation or fetched) and response.status in self.expected):
            self.failed.append(f"{response.status} {request.method} {response.url}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.base, "data:")):
            self.foreign.append(request.url)

    def expect_status(self, status: int) -> None:
        """Allow pages that answer with ``status``, loaded or fetched by screener.js to be
        swapped in place (never their stylesheets or images)."""
        self.expected.add(status)

    def assert_clean(self) -> None:
        """No console errors, no failed requests, nothing fetched from another host."""
        assert self.errors == []
        assert self.failed == []
        assert self.foreign == []


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    ctx = chromium.new_context(viewport={"width": 1024, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def watched(context: BrowserContext, live: LiveServer) -> Iterator[Watched]:
    w = Watched(context, live.url)
    yield w
    w.assert_clean()


@pytest.fixture
def page(watched: Watched) -> Page:
    return watched.page


def screenshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot as a test artifact (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


WEIGHTS: dict[str, tuple[int, int]] = {}


@pytest.fixture(scope="session")
def record_weight() -> Iterator[dict[str, tuple[int, int]]]:
    """Bytes and requests per page type; written to test-artifacts/page-weight.txt."""
    yield WEIGHTS
    if WEIGHTS:
        ARTIFACTS.mkdir(exist_ok=True)
        lines = [
            f"{name:22} {size / 1024:6.1f} KB  {count} requests"
            for name, (size, count) in WEIGHTS.items()
        ]
        (ARTIFACTS / "page-weight.txt").write_text("\n".join(lines) + "\n")
