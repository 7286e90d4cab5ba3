"""The whole flow by keyboard alone, with a visible focus indicator on everything focused."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, Watched
from tests.browser.test_pages import OUTCOMES, SHOWN, h1, question_id

# The focused element's outline or box-shadow, compared with the same element unfocused:
# an indicator is an outline at least 2px wide in a colour with 3:1 contrast against
# the background it is drawn on (the page, or the header's colour), or a box-shadow,
# that is there only while the element has focus.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const look = () => { const s = getComputedStyle(el);
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor,
            shadow: s.boxShadow}; };
  const focused = look();
  el.blur();
  const resting = look();
  el.focus({preventScroll: true});
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const parts = rgb(focused.colour);
  const opaque = parts.length < 4 || parts[3] > 0.9;
  // What the outline is drawn against: the nearest background that is not transparent.
  let behind = el.parentElement, page = [255, 255, 255];
  while (behind) {
    const colour = rgb(getComputedStyle(behind).backgroundColor);
    if (colour.length && (colour.length < 4 || colour[3] > 0.9)) { page = colour; break; }
    behind = behind.parentElement;
  }
  const [hi, lo] = [lum(parts), lum(page)].sort((a, b) => b - a);
  const outline = focused.style !== 'none' && focused.width >= 2 && opaque
    && (hi + 0.05) / (lo + 0.05) >= 3
    && (focused.style !== resting.style || focused.width !== resting.width
        || focused.colour !== resting.colour);
  const shadow = focused.shadow !== 'none' && focused.shadow !== resting.shadow;
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 40),
          cls: String(el.className), id: el.id, visible: outline || shadow};
}"""


def focused(page: Page) -> dict[str, object]:
    info = page.evaluate(FOCUS_STYLE)
    assert info is not None, "nothing has focus"
    assert info["visible"], f"no visible focus indicator on {info}"
    return info


def tab_to(page: Page, predicate: object, limit: int = 40, back: bool = False) -> dict[str, object]:
    """Press Tab (or Shift+Tab) until the focused element matches, checking each one's focus style."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        info = focused(page)
        if predicate(info):  # type: ignore[operator]
            return info
    raise AssertionError("never reached the element by keyboard")


def submit(page: Page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def is_button(text: str) -> object:
    return lambda info: info["tag"] in ("button", "a") and str(info["text"]).startswith(text)


def test_whole_flow_by_keyboard(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    page.goto(live.url + "/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert "skip-link" in str(skip["cls"]) and skip["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link moves focus"
    tab_to(page, is_button("Start"))
    submit(page)

    # A failed submit puts focus on the error summary.
    assert question_id(page) == "for_you"
    tab_to(page, is_button("Continue"))
    submit(page)
    # autofocus runs at the page's first rendering update, which may come after "load".
    page.wait_for_function(
        "document.activeElement.classList.contains('error-summary')", timeout=5000
    )
    focused(page)

    # Radios: Tab into the group, Space to choose, arrows to move, Enter to submit.
    answered = 0
    while question_id(page) is not None:
        tab_to(page, lambda i: i["tag"] == "input")
        assert not page.evaluate("document.activeElement.checked")
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.checked")
        assert page.evaluate("document.activeElement.value") == "yes"
        if question_id(page) != "for_you":  # the scope question: yes, the check is for me
            page.keyboard.press("ArrowDown")  # Yes -> No
            focused(page)
            assert page.evaluate("document.activeElement.value") == "no"
            assert page.evaluate("document.activeElement.checked")
        submit(page)
        answered += 1
    asked = [q.id for q in SHOWN.flow if q.when is None]
    assert answered == len(asked), "the scope question and every other question"
    assert h1(page) == "Check your answers"

    # Change an answer with Shift+Tab from the result button, back to the last Change.
    tab_to(page, is_button("See my result"))
    tab_to(page, is_button("Change"), back=True)
    submit(page)
    assert question_id(page) == asked[-1]
    tab_to(page, lambda i: i["tag"] == "input")  # the checked radio, "No"
    page.keyboard.press("ArrowUp")  # "Yes"
    assert page.evaluate("document.activeElement.value") == "yes"
    submit(page)
    assert h1(page) == "Check your answers"
    tab_to(page, is_button("See my result"))
    submit(page)
    assert h1(page) == OUTCOMES["clinician"][1]
    tab_to(page, is_button("Start again"))
    submit(page)
    assert page.url == live.url + "/"


def test_the_outside_page_by_keyboard(watched: Watched, live: LiveServer) -> None:
    page = watched.page
    page.goto(live.url + "/")
    tab_to(page, is_button("Start"))
    submit(page)
    tab_to(page, lambda i: i["tag"] == "input")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # "No, or not all of them"
    assert page.evaluate("document.activeElement.value") == "no"
    submit(page)
    assert question_id(page) is None and page.locator(".outside").count() == 1
    tab_to(page, is_button("Change your answer"))
    submit(page)
    assert question_id(page) == "for_you"
    assert page.evaluate("document.querySelector('input[value=no]').checked")
    tab_to(page, is_button("Continue"))
    submit(page)
    tab_to(page, is_button("Start again"))
    submit(page)
    assert page.url == live.url + "/"
