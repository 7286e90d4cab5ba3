"""The result page prints as a clean one-page summary to show a clinician."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, LiveServer, Watched
from tests.browser.test_pages import OUTCOMES, press, start, walk


def test_result_prints_on_one_page(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    start(page, live.url)
    walk(page, {"fever": "Yes", "fever_very_unwell": "No", "prostate_cancer": "Not sure"})
    press(page, "See my result")
    page.emulate_media(media="print")

    visible = page.locator("body").inner_text()
    assert OUTCOMES["clinician"][1] in visible
    assert "You told us you have a fever or chills" in visible
    assert "You told us you have been told you have prostate cancer" in visible
    pairs = page.eval_on_selector_all(
        ".summary--compact .summary__row",
        "rows => rows.filter(r => r.checkVisibility()).map(r => [r.querySelector('dt').innerText,"
        " r.querySelector('dd').innerText])",
    )
    assert ["Do you have a fever or chills, or feel hot and shivery, right now?", "Yes"] in pairs
    assert ["Do you also feel very unwell right now?", "No"] in pairs
    assert ["Have you ever been told you have prostate cancer?", "Not sure"] in pairs
    assert len(pairs) == 14, "every answer given, question and answer"
    assert re.search(r"Screened on \d+ \w+ \d{4} at \d\d:\d\d", visible)
    assert re.search(r"prostate_massage version \d+\.\d+\.\d+, [0-9a-f]{12}", visible)
    assert "not a diagnosis" in visible
    assert page.locator(".brand").is_visible(), "the service's name heads the printout"
    for hidden in ("footer", "form", "a.button", ".skip-link", ".back-form"):
        for i in range(page.locator(hidden).count()):
            assert not page.locator(hidden).nth(i).is_visible(), hidden
    assert page.get_by_role("link", name="Start again").is_visible() is False

    ARTIFACTS.mkdir(exist_ok=True)
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper)
        (ARTIFACTS / f"result-print-{paper}.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        assert pages == 1, f"the printed result takes {pages} pages on {paper}"


def test_longest_results_still_print_on_one_page(watched: Watched, live: LiveServer) -> None:
    """All 'Not sure' gives every reason at once; all 'No' gives the longest advice."""
    page = watched.page
    for default, name in (("Not sure", "every-reason"), ("No", "general-information")):
        start(page, live.url)
        walk(page, {}, default=default)
        press(page, "See my result")
        page.emulate_media(media="print")
        for paper in ("A4", "Letter"):
            pdf = page.pdf(format=paper)
            (ARTIFACTS / f"result-print-{name}-{paper}.pdf").write_bytes(pdf)
            assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, (name, paper)
        page.emulate_media(media="screen")
