"""What search engines are told: the start page, in each language, is the one page
they may list, and it describes itself from the rules and names its addresses.

The start page's description is the rules' title, in the page's language, with one
sentence of Screener's own (both translated like every other text); its canonical
address and the addresses of its other languages (``hreflang``, and ``x-default``
for ``/``, which picks a language from the browser) are built from the configured
public address, ``SCREENER_PUBLIC_URL``, never from the request's Host header. Without
a public address the start page is still indexable, with no canonical or alternate
links: Screener cannot know the address people reach it at.

Every other page says ``noindex``: the question, check, result, error and
outside-scope pages (each the answer to a POST, or an error), the embedded pages,
and a start page drawn with answers in hand (after Back). So does every page when
``SCREENER_INDEXABLE`` is 0. The pages say it in a meta element (templates/base.html),
and screener.security repeats it in an ``X-Robots-Tag`` header on every response
but the indexable start pages, which also covers what is not HTML (the JSON API, the
stylesheet, the embed loader).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app

from screener import i18n

# Longer descriptions are cut short in search results; the rules' title is kept whole
# when it fits, and cut at a word when even it does not.
MAX_DESCRIPTION = 160
ELLIPSIS = "…"


@dataclass(frozen=True)
class Alternate:
    """The address of the start page in one language (``hreflang``), or ``x-default``."""

    hreflang: str
    href: str


@dataclass(frozen=True)
class StartHead:
    """What the start page's <head> tells search engines."""

    indexable: bool
    description: str
    canonical: str | None = None  # None: no public address is configured, or not indexable
    alternates: tuple[Alternate, ...] = ()


def fit(candidates: Iterable[str], limit: int = MAX_DESCRIPTION) -> str:
    """The first candidate (spaces and line breaks made single spaces) no longer than
    ``limit`` characters; else the last one cut at a word, with an ellipsis."""
    text = ""
    for candidate in candidates:
        text = " ".join(candidate.split())
        if len(text) <= limit:
            return text
    head = text[: limit - len(ELLIPSIS) + 1]  # and one more, to keep a word ending at the limit
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return cut.rstrip(" .,:;") + ELLIPSIS


def start_page_address(public_url: str, tag: str | None) -> str:
    """The absolute address of the start page: in the language ``tag`` (``/es/``), or
    the one that picks a language from the browser (``/``) when ``tag`` is None."""
    return public_url.rstrip("/") + (f"/{tag}/" if tag else "/")


def addresses(
    public_url: str, tags: Iterable[str], chosen: str | None
) -> tuple[str, tuple[Alternate, ...]]:
    """The canonical address of the start page drawn under ``/chosen/`` (or ``/``), and
    the alternates: one for each offered language, then ``x-default`` for ``/``."""
    alternates = tuple(Alternate(tag, start_page_address(public_url, tag)) for tag in tags)
    default = Alternate("x-default", start_page_address(public_url, None))
    return start_page_address(public_url, chosen), (*alternates, default)


def indexable_paths(indexable: bool, tags: Iterable[str]) -> frozenset[str]:
    """The paths of the pages search engines may index: the start page under ``/`` and
    under each language's prefix; none when indexing is off."""
    if not indexable:
        return frozenset()
    return frozenset({"/", *(f"/{tag}/" for tag in tags)})


def start_head(*, public: bool) -> StartHead:
    """The start page's head for this request: ``public`` when the page is the one a
    link leads to (not embedded, and with no answers in hand)."""
    config = current_app.config
    title = i18n.rules().title
    description = fit(
        (
            i18n.gettext(
                "%(title)s. Answer questions about your health to find out what to do next. "
                "Nothing you enter is stored.",
                title=title,
            ),
            title,
        )
    )
    if not (public and config["INDEXABLE"]):
        return StartHead(indexable=False, description=description)
    if not config["PUBLIC_URL"]:
        return StartHead(indexable=True, description=description)
    chosen = i18n.chosen()
    canonical, alternates = addresses(
        config["PUBLIC_URL"],
        (language.tag for language in i18n.languages().offered),
        chosen.tag if chosen else None,
    )
    return StartHead(True, description, canonical, alternates)


def init_app(app: Flask) -> None:
    """Let the start page's template ask for its head."""
    app.add_template_global(start_head)
