"""The whole flow by keyboard alone, with a visible focus indicator on everything focused."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, Watched
from tests.browser.test_pages import h1, question_id

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 40),
          cls: el.className, visible: outline || shadow};
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
    skip = tab_to(page, lambda i: "skip-link" in str(i["cls"]))
    assert skip["text"] == "Skip to main content"
    tab_to(page, is_button("Start"))
    submit(page)

    # A failed submit puts focus on the error summary.
    assert question_id(page) == "fever"
    tab_to(page, is_button("Continue"))
    submit(page)
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    focused(page)

    # Radios: Tab into the group, arrows to move, Space to choose, Enter to submit.
    answered = 0
    while question_id(page) is not None:
        tab_to(page, lambda i: i["tag"] == "input")
        page.keyboard.press("ArrowDown")  # Yes -> No
        focused(page)
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.checked")
        assert page.evaluate("document.activeElement.value") == "no"
        submit(page)
        answered += 1
    assert answered == 13
    assert h1(page) == "Check your answers"

    # Change an answer with Shift+Tab from the result button, back to the last Change.
    tab_to(page, is_button("See my result"))
    tab_to(page, is_button("Change"), back=True)
    submit(page)
    assert question_id(page) == "weak_immunity"
    tab_to(page, lambda i: i["tag"] == "input")  # the checked radio, "No"
    page.keyboard.press("ArrowUp")  # "Yes"
    assert page.evaluate("document.activeElement.value") == "yes"
    submit(page)
    assert h1(page) == "Check your answers"
    tab_to(page, is_button("See my result"))
    submit(page)
    assert h1(page) == "See a clinician before you try it"
    tab_to(page, is_button("Start again"))
    submit(page)
    assert page.url == live.url + "/"
