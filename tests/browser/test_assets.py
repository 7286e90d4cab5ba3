"""The scripts and stylesheets as served mean, in Chromium, what their source files say."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from screener import create_app
from screener.assets import compact_css

STATIC = Path(__file__).resolve().parents[2] / "screener" / "static"
# Each rule as Chromium reads it. A custom property keeps the text it was given, so the
# space after its commas is set aside.
RULES = """text => { const sheet = new CSSStyleSheet(); sheet.replaceSync(text);
  return [...sheet.cssRules].map(rule => rule.cssText.replace(/, /g, ',')); }"""


@pytest.mark.parametrize("name", ["screener.css", "kiosk.css"])
def test_the_compacted_stylesheet_has_the_same_rules(context: BrowserContext, name: str) -> None:
    page = context.new_page()
    source = (STATIC / name).read_text()
    rules = page.evaluate(RULES, source)
    assert len(rules) > 20
    assert page.evaluate(RULES, compact_css(source.encode()).decode()) == rules


@pytest.mark.parametrize("kiosk", [False, True])
def test_every_served_script_parses(context: BrowserContext, kiosk: bool) -> None:
    page = context.new_page()  # about:blank: no page policy stands in the way of parsing
    assets = create_app({"TESTING": True, "SECRET_KEY": "k", "KIOSK": kiosk}).extensions[
        "screener_assets"
    ]
    for script in (assets.script, assets.framed_script):
        assert page.evaluate("code => typeof new Function(code)", script.body.decode()) == (
            "function"
        ), script.name
