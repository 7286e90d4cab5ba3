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
    assert "Do you have a fever or chills, or feel hot and shivery, right now?" in visible
    assert "Have you ever been told you have prostate cancer?" in visible
    assert re.search(r"Screened on \d+ \w+ \d{4} at \d\d:\d\d", visible)
    assert re.search(r"prostate_massage version \d+\.\d+\.\d+, [0-9a-f]{12}", visible)
    assert "not a diagnosis" in visible
    for hidden in ("header", "footer", "form", "a.button", ".skip-link"):
        for i in range(page.locator(hidden).count()):
            assert not page.locator(hidden).nth(i).is_visible(), hidden
    assert page.get_by_role("link", name="Start again").is_visible() is False

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=False)
    (ARTIFACTS / "result-print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == 1, f"the printed result takes {pages} pages"


def test_longest_results_still_print_on_one_page(watched: Watched, live: LiveServer) -> None:
    """All 'Not sure' gives every reason at once; all 'No' gives the longest advice."""
    page = watched.page
    for default, name in (("Not sure", "every-reason"), ("No", "general-information")):
        start(page, live.url)
        walk(page, {}, default=default)
        press(page, "See my result")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4")
        (ARTIFACTS / f"result-print-{name}.pdf").write_bytes(pdf)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, name
        page.emulate_media(media="screen")
