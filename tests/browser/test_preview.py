"""The rules author's preview in real Chromium: its banner is a named region, axe finds
nothing on its pages (warnings open, the file broken), and the keyboard reaches it."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page
from werkzeug.serving import make_server

from screener import create_app
from screener.preview import Preview
from screener.resources import default_rules_path
from tests.browser.conftest import SECRET, Watched, screenshot
from tests.browser.test_pages import axe_clean, press

TITLE = "Preview for the rules' authors"


@pytest.fixture(scope="module")
def previewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A preview of a copy of the default rules, served on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    rules = tmp_path_factory.mktemp("preview") / "rules.yaml"
    shutil.copyfile(default_rules_path(), rules)
    preview = Preview(rules, {"TESTING": False, "SECRET_KEY": SECRET}, [])
    app = preview.start(create_app(preview.overrides))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", rules
    server.shutdown()
    server.server_close()
    thread.join(10)
    preview.close()


@pytest.fixture
def page(context: BrowserContext, previewed: tuple[str, Path]) -> Iterator[Page]:
    watched = Watched(context, previewed[0])
    yield watched.page
    watched.assert_clean()


def test_the_banner_is_a_region_the_keyboard_reaches_and_axe_passes(
    page: Page, previewed: tuple[str, Path]
) -> None:
    base, _ = previewed
    page.goto(base + "/")
    region = page.get_by_role("region", name=TITLE)
    assert region.is_visible()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    summary = region.locator("summary")
    assert summary.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert region.locator("details").evaluate("details => details.open")
    assert region.locator("details li").first.is_visible()
    axe_clean(page, "preview start page, warnings open")
    screenshot(page, "preview-start")
    press(page, "Start")
    assert page.get_by_role("region", name=TITLE).is_visible()
    axe_clean(page, "preview question page")


def test_the_broken_file_banner_passes_axe(page: Page, previewed: tuple[str, Path]) -> None:
    base, rules = previewed
    text = rules.read_text(encoding="utf-8")
    try:
        rules.write_text(text + "  - [\n", encoding="utf-8")
        page.goto(base + "/")
        region = page.get_by_role("region", name=TITLE)
        assert "cannot be used as it is saved now" in region.inner_text()
        axe_clean(page, "preview start page, the file broken")
        press(page, "Start")
        assert (
            "cannot be used as it is saved now"
            in page.get_by_role("region", name=TITLE).inner_text()
        )
        axe_clean(page, "preview question page, the file broken")
        screenshot(page, "preview-broken")
    finally:
        rules.write_text(text, encoding="utf-8")
