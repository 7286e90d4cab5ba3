"""The result page prints as a clean one-page summary to show a clinician."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, LiveServer, Watched
from tests.browser.test_pages import OUTCOMES, SHOWN, press, start, walk


def test_result_prints_on_one_page(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    start(page, live.url)
    walk(page, {"rectal_bleeding": "Yes", "bleeding_heavy": "No", "cancer_history": "Not sure"})
    press(page, "See my result")
    page.emulate_media(media="print")

    visible = page.locator("body").inner_text()
    rules = {r.id: r for r in SHOWN.rules}
    text = {q.id: q.text for q in SHOWN.flow}
    assert OUTCOMES["clinician"][1] in visible
    assert rules["bleeding_from_bottom"].wording("told") in visible
    assert rules["cancer_history"].wording("unsure") in visible
    assert SHOWN.emergency and SHOWN.emergency in visible
    pairs = page.eval_on_selector_all(
        ".summary--compact .summary__row",
        "rows => rows.filter(r => r.checkVisibility()).map(r => [r.querySelector('dt').innerText,"
        " r.querySelector('dd').innerText])",
    )
    assert [text["for_you"], SHOWN.scope[0].label("yes")] in pairs
    assert [text["rectal_bleeding"], "Yes"] in pairs
    assert [text["bleeding_heavy"], "No"] in pairs
    assert [text["cancer_history"], "Not sure"] in pairs
    asked = [q for q in SHOWN.flow if q.when is None]
    assert len(pairs) == len(asked) + 1, "every answer given, question and answer"
    assert re.search(r"Screened on \d+ \w+ \d{4} at \d\d:\d\d", visible)
    assert re.search(r"prostate_massage version \d+\.\d+\.\d+, [0-9a-f]{12}", visible)
    assert "not a diagnosis" in visible
    assert visible.count("have not yet been checked by a clinician") == 1, "the draft, once"
    assert page.locator(".review-notice").is_visible()
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
    """All 'Not sure' gives every reason at once; all 'No' gives the longest advice; the
    emergency outcome the most urgent page."""
    page = watched.page
    for answers, default, name in (
        ({}, "Not sure", "every-reason"),
        ({}, "No", "general-information"),
        (OUTCOMES["emergency"][0], "No", "emergency"),
    ):
        start(page, live.url)
        walk(page, answers, default=default)
        press(page, "See my result")
        page.emulate_media(media="print")
        for paper in ("A4", "Letter"):
            pdf = page.pdf(format=paper)
            (ARTIFACTS / f"result-print-{name}-{paper}.pdf").write_bytes(pdf)
            assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, (name, paper)
        page.emulate_media(media="screen")
