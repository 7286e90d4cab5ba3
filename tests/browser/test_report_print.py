"""The review report as a clinical reviewer prints it: few pages, and no word split."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from screener.report import render
from screener.resources import default_rules_path, load_ruleset
from screener.verify import verify
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

MOST_PAGES = 12  # what a reviewer is asked to read, check and sign on paper, at most
A4_TEXT_WIDTH = round((210 - 2 * 8) / 25.4 * 96)  # A4 less the report's 8 mm side margins, in px

# Every word whose letters sit on more than one line, and the character before each break:
# a word may wrap only after "_", "-", "/" or ".", as an id or a web address does.
SPLIT_WORDS = """() => {
  const split = [];
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of node.data.matchAll(/\\S+/g)) {
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      if ([...range.getClientRects()].filter(r => r.width > 0).length < 2) continue;
      let top = null;
      for (let i = 0; i < word[0].length; i++) {
        range.setStart(node, word.index + i);
        range.setEnd(node, word.index + i + 1);
        const box = range.getBoundingClientRect();
        if (box.width === 0) continue;
        if (top !== null && box.top > top + 1 && !"_-/.".includes(word[0][i - 1])) {
          split.push(word[0].slice(0, i) + "|" + word[0].slice(i));
        }
        top = box.top;
      }
    }
  }
  return split;
}"""

# Every table cell whose content is wider than the cell: text spilling into its neighbour.
OVERFLOWING = """() => [...document.querySelectorAll("td, th")]
  .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
  .map(cell => cell.textContent.trim().slice(0, 60))"""


@pytest.fixture(scope="module")
def report_page(chromium: Browser) -> Iterator[Page]:
    """The default rules' HTML report, as `screener report` writes it, open in Chromium."""
    ruleset = load_ruleset(default_rules_path())
    page = chromium.new_page(viewport={"width": A4_TEXT_WIDTH, "height": 1000})
    page.set_content(render(ruleset, verify(ruleset), fmt="html"))
    yield page
    page.close()


def test_the_default_rules_print_on_at_most_twelve_a4_pages(report_page: Page) -> None:
    report_page.emulate_media(media="print")
    pdf = report_page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-A4.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 1 < pages <= MOST_PAGES, f"the report prints on {pages} A4 pages"


@pytest.mark.parametrize("media", ["print", "screen"])
def test_no_word_is_split_across_lines(report_page: Page, media: str) -> None:
    """In the printed layout (the A4 text width) and on a screen: ids wrap at their "_",
    addresses at "/" or ".", and no word or cell spills out of its column."""
    if media == "screen":
        report_page.set_viewport_size({"width": 1024, "height": 800})
    report_page.emulate_media(media="print" if media == "print" else "screen")
    try:
        broken = report_page.evaluate(SPLIT_WORDS)
        assert broken == []
        assert report_page.evaluate(OVERFLOWING) == []
        wrapped = report_page.evaluate(
            """() => [...document.querySelectorAll("td > code:first-child")]
              .filter(code => code.getClientRects().length > 1).length"""
        )
        if media == "print":
            assert wrapped > 0, "some rule and case ids are long enough to wrap at their '_'"
    finally:
        report_page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 1000})
        report_page.emulate_media(media="print")
