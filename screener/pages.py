"""Pages drawn once at start-up: every question page and start page, in every variant.

Drawing a page with Jinja costs several times what the rest of a request does,
and most pages people see are a question with nothing selected yet. So when
the app starts, each such page is drawn once for every language, address
prefix (none, a language, /embed/, both), review state and whether the number
of questions is known exactly, with slots where the answers token, the CSP
nonce, the question's number and the number of questions in all go; a request
then fills the slots in. Pages with an answer selected, an error, a result, or an
embedding site's address are drawn for each request as before.

Nothing a person does adds to or changes what is kept here: it is filled before
the first request and only read afterwards, so it holds no trace of anyone's
answers (not even which questions were reached). A test draws every page both
ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

# Letters and digits only, so HTML escaping leaves them as they are.
TOKEN_SLOT = "SCREENERslotTOKEN0"  # noqa: S105 - a placeholder, not a secret
NONCE_SLOT = "SCREENERslotNONCE0"
NUMBER_SLOT = "SCREENERslotNUMBER0"
TOTAL_SLOT = "SCREENERslotTOTAL0"

Key = tuple[Any, ...]


def find(key: Key) -> str | None:
    """The page drawn at start-up for this key, if there is one."""
    drawn: dict[Key, str] | None = current_app.extensions.get("screener_pages")
    return drawn.get(key) if drawn is not None else None


def fill(
    page: str, *, token: str | None, nonce: str, number: int | None, total: int | None = None
) -> str:
    """A pre-drawn page with this request's values in its slots."""
    page = page.replace(NONCE_SLOT, nonce)
    if token is not None:
        page = page.replace(TOKEN_SLOT, token)
    if number is not None:
        page = page.replace(NUMBER_SLOT, str(number))
    if total is not None:
        page = page.replace(TOTAL_SLOT, str(total))
    return page


def draw_all(
    app: Flask, draw: Callable[[], dict[Key, str]], paths: list[tuple[str, str | None]]
) -> None:
    """Draw the pages for each (address prefix, Accept-Language) with ``draw``, as if
    for a request to that address, and keep them for the app's lifetime."""
    drawn: dict[Key, str] = {}
    for prefix, accept in paths:
        headers = {"Accept-Language": accept} if accept else {}
        with app.test_request_context(f"{prefix}/start", method="POST", headers=headers):
            app.preprocess_request()
            drawn.update(draw())
    app.extensions["screener_pages"] = drawn
