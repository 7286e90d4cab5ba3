"""A clinic's brand from configuration alone: colours, font and logo, within the page budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import LiveServer, Watched, screenshot
from tests.browser.test_pages import axe_clean, press

LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">
<circle cx="20" cy="20" r="18" fill="#ffd23f"/></svg>"""
THEME = """:root {
  --screener-font: Georgia, serif;
  --screener-brand: rgb(91, 42, 134);
  --screener-link: rgb(74, 35, 112);
}"""


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    where: Path = tmp_path_factory.mktemp("brand")
    (where / "logo.svg").write_text(LOGO)
    (where / "theme.css").write_text(THEME)
    config = {
        "BRAND_NAME": "Riverside Clinic",
        "LOGO": str(where / "logo.svg"),
        "THEME_CSS": str(where / "theme.css"),
    }
    with LiveServer(config) as server:
        yield server


def test_brand_applies_without_template_changes(chromium: Browser, branded: LiveServer) -> None:
    context = chromium.new_context(viewport={"width": 1024, "height": 800})
    watched = Watched(context, branded.url)
    page = watched.page
    try:
        page.goto(branded.url + "/")
        header = page.locator(".site-header")
        assert "Riverside Clinic" in header.inner_text()
        assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(91, 42, 134)"
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia")
        logo = page.locator("img.brand__logo")
        assert logo.evaluate("img => img.complete && img.naturalWidth") == 40
        requests = page.evaluate("performance.getEntriesByType('resource').length + 1")
        assert requests == 3, "the page, one stylesheet and the script (the logo is in the page)"
        weight = page.evaluate(
            "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType("
            "'resource')].reduce((n, e) => n + e.decodedBodySize, 0)"
        )
        assert 0 < weight < 30 * 1024, weight
        axe_clean(page, "branded start page")
        screenshot(page, "branded-start")
        press(page, "Start")
        assert (
            page.locator(".button").first.evaluate("el => getComputedStyle(el).backgroundColor")
            == "rgb(91, 42, 134)"
        )
        watched.assert_clean()
    finally:
        context.close()
