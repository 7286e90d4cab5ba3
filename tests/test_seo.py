"""Search engines may list the start page in each language, described from the rules and
with its addresses built from SCREENER_PUBLIC_URL; every other page, and with
SCREENER_INDEXABLE=0 every page, says noindex in the page and in X-Robots-Tag."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from screener import create_app, seo
from screener.resources import default_rules_path
from screener.verify import diagnosis_problems
from tests.conftest import SECRET, Browser, shown_rules
from tests.test_pages import same_page
from tests.test_views import EMBED_HOST, PAGE_TYPES, reach

PUBLIC = "https://screener.example.org/clinic"
ALTERNATES = [
    ("en-GB", f"{PUBLIC}/en-GB/"),
    ("es", f"{PUBLIC}/es/"),
    ("x-default", f"{PUBLIC}/"),
]
SPOOFED = {
    "Host": "evil.example.net",
    "X-Forwarded-Host": "evil.example.net",
    "X-Forwarded-Proto": "http",
    "Forwarded": "host=evil.example.net;proto=http",
}


def make_app(**config: Any) -> Flask:
    return create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "EMBED_ORIGINS": [EMBED_HOST], **config}
    )


@pytest.fixture(scope="module")
def public() -> Flask:
    """An app that knows the address people reach it at."""
    return make_app(PUBLIC_URL=PUBLIC)


@pytest.fixture(scope="module")
def private() -> Flask:
    """The same, with SCREENER_INDEXABLE=0."""
    return make_app(PUBLIC_URL=PUBLIC, INDEXABLE=False)


def head(response: TestResponse) -> dict[str, Any]:
    """What a page's head and headers tell search engines."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.head is not None
    return {
        "robots": [m["content"] for m in soup.head.find_all("meta", attrs={"name": "robots"})],
        "header": response.headers.getlist("X-Robots-Tag"),
        "description": [
            m["content"] for m in soup.head.find_all("meta", attrs={"name": "description"})
        ],
        "canonical": [link["href"] for link in soup.find_all("link", rel="canonical")],
        "alternates": [
            (link["hreflang"], link["href"]) for link in soup.find_all("link", rel="alternate")
        ],
    }


def listed(found: dict[str, Any]) -> bool:
    """Whether a page may be listed, after checking that its meta and header agree."""
    noindex = found["robots"] == ["noindex"]
    assert found["robots"] in ([], ["noindex"])
    assert found["header"] == (["noindex"] if noindex else []), "the header says as the page"
    return not noindex


@pytest.mark.parametrize(
    ("path", "accept", "canonical", "language"),
    [
        ("/", None, f"{PUBLIC}/", "en-GB"),
        ("/", "es-ES,es;q=0.9", f"{PUBLIC}/", "es"),
        ("/es/", None, f"{PUBLIC}/es/", "es"),
        ("/en-GB/", "es", f"{PUBLIC}/en-GB/", "en-GB"),
    ],
)
def test_the_start_page_in_each_language_may_be_listed_under_its_own_address(
    public: Flask, path: str, accept: str | None, canonical: str, language: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = public.test_client().get(path, headers=headers)
    assert response.status_code == 200 and response.headers["Content-Language"] == language
    found = head(response)
    assert listed(found)
    assert found["canonical"] == [canonical]
    assert found["alternates"] == ALTERNATES
    title = shown_rules(public, f"/{language}/").title
    assert found["description"] == [seo.fit([description_in(language, title), title])]
    assert found["description"][0].startswith(title)


def description_in(language: str, title: str) -> str:
    """The description the start page should have, written out here for each language."""
    if language == "es":
        return (
            f"{title}. Responda a preguntas sobre su salud para saber qué hacer. No se guarda nada."
        )
    return (
        f"{title}. Answer questions about your health to find out what to do next. "
        "Nothing you enter is stored."
    )


@pytest.mark.parametrize("language", ["en-GB", "es"])
def test_the_description_is_the_rules_title_and_a_line_that_diagnoses_nothing(
    public: Flask, language: str
) -> None:
    response = public.test_client().get(f"/{language}/")
    (description,) = head(response)["description"]
    title = shown_rules(public, f"/{language}/").title
    assert description == description_in(language, title)  # the whole of it fits
    assert len(description) <= seo.MAX_DESCRIPTION
    if language == "en-GB":
        assert diagnosis_problems(description) == []


def test_a_forged_host_names_no_address(public: Flask) -> None:
    for path in ("/", "/es/"):
        response = public.test_client().get(path, headers=SPOOFED)
        page = response.get_data(as_text=True)
        assert "evil" not in page and "evil" not in str(response.headers)
        found = head(response)
        assert found["canonical"] == [f"{PUBLIC}{path}"]
        assert found["alternates"] == ALTERNATES
    # Without a public address there is nothing to name, least of all the request's host.
    response = make_app().test_client().get("/", headers=SPOOFED)
    assert "evil" not in response.get_data(as_text=True)
    assert head(response)["canonical"] == [] and head(response)["alternates"] == []


def test_without_a_public_address_the_start_page_is_listed_without_links() -> None:
    app = make_app()
    assert app.config["PUBLIC_URL"] == ""
    for path in ("/", "/es/"):
        found = head(app.test_client().get(path))
        assert listed(found)
        assert found["canonical"] == [] and found["alternates"] == []
        assert len(found["description"]) == 1 and found["description"][0]


def test_no_page_may_be_listed_when_indexing_is_off(private: Flask) -> None:
    client = private.test_client()
    for path in ("/", "/es/", "/en-GB/", "/embed/"):
        found = head(client.get(path))
        assert not listed(found), path
        assert found["canonical"] == [] and found["alternates"] == [], path
        assert found["description"], "the start page still says what it is"


@pytest.mark.parametrize("indexable", [True, False], ids=["indexable", "not indexable"])
@pytest.mark.parametrize("prefix", ["", "/embed"], ids=["site", "embedded"])
@pytest.mark.parametrize("page", PAGE_TYPES)
def test_only_the_start_page_may_be_listed(
    public: Flask, private: Flask, prefix: str, page: str, indexable: bool
) -> None:
    """Question, check, result, outside-scope, error and embedded pages: never."""
    browser = Browser((public if indexable else private).test_client())
    status = reach(browser, prefix, page)
    assert browser.status == status and browser.response is not None
    found = head(browser.response)
    assert listed(found) == (indexable and page == "start" and not prefix)
    if not listed(found):
        assert found["canonical"] == [] and found["alternates"] == []


def test_the_start_page_with_answers_in_hand_may_not_be_listed(public: Flask) -> None:
    """Back from the first question: the start page again, carrying the answers token."""
    browser = Browser(public.test_client()).get("/").press("Start")
    browser.submit("/back")
    assert browser.soup is not None and browser.soup.find("input", attrs={"name": "token"})
    assert browser.h1 == shown_rules(public).title
    found = head(browser.response)  # type: ignore[arg-type]
    assert not listed(found)
    assert found["canonical"] == [] and found["alternates"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/embed.js",
        "/api/v1/questionnaire",
        "/api/v1/openapi.json",
        "/api/v1/fhir/Questionnaire",
        "/robots.txt",
        "/es",  # a redirect to /es/
    ],
)
def test_what_is_not_a_page_says_noindex_in_its_header(public: Flask, path: str) -> None:
    response = public.test_client().get(path)
    assert response.headers.getlist("X-Robots-Tag") == ["noindex"], response.status
    if path == "/es":
        assert response.status_code in (301, 308)


def test_the_stylesheet_says_noindex_too(public: Flask) -> None:
    page = public.test_client().get("/").get_data(as_text=True)
    found = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert found
    response = public.test_client().get(found.group(1))
    assert response.status_code == 200
    assert response.headers.getlist("X-Robots-Tag") == ["noindex"]


def test_a_post_to_a_start_address_is_not_listed(public: Flask) -> None:
    """Only GET and HEAD of a start address are the start page; anything else is an error."""
    response = public.test_client().post("/", data={})
    assert response.status_code == 405
    assert not listed(head(response))
    head_response = public.test_client().head("/es/")
    assert head_response.status_code == 200 and "X-Robots-Tag" not in head_response.headers


@pytest.fixture(scope="module")
def plain() -> Flask:
    """The public app again, drawing every page for each request."""
    app = make_app(PUBLIC_URL=PUBLIC)
    del app.extensions["screener_pages"]
    return app


@pytest.mark.parametrize("accept", [None, "es"])
@pytest.mark.parametrize("prefix", ["", "/es", "/en-GB", "/embed", "/embed/es"])
def test_the_pre_drawn_start_pages_have_the_head_drawn_now(
    public: Flask, plain: Flask, prefix: str, accept: str | None
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    pages = [app.test_client().get(f"{prefix}/", headers=headers) for app in (public, plain)]
    assert [p.status_code for p in pages] == [200, 200]
    drawn, now = (same_page(p.get_data(as_text=True)) for p in pages)
    assert drawn == now
    assert ('rel="canonical"' in drawn) == (not prefix.startswith("/embed"))


# --------------------------------------------------------------------------- the parts


def test_a_description_fits_in_what_search_results_show() -> None:
    assert seo.fit(["Short and sweet.", "unused"]) == "Short and sweet."
    assert seo.fit(["  Line\n  breaks   and spaces  "]) == "Line breaks and spaces"
    long_title = "Before you try anything at all: " + "check this and that " * 8
    # A sentence too long with the title: the title alone.
    assert seo.fit([long_title + " More words.", "A title."]) == "A title."
    # A title too long even alone: cut at a word, with an ellipsis.
    cut = seo.fit([long_title * 2])
    assert len(cut) <= seo.MAX_DESCRIPTION and cut.endswith("…")
    assert (long_title * 2).startswith(cut[:-1]) and cut[-2] != " "
    assert len(seo.fit(["x" * 500])) == seo.MAX_DESCRIPTION
    # A word that ends exactly at the limit is kept.
    exact = "a" * (seo.MAX_DESCRIPTION - 2) + " bbb"
    assert seo.fit([exact]) == "a" * (seo.MAX_DESCRIPTION - 2) + "…"
    words = ("word " * 40).strip()
    assert seo.fit([words], limit=10) == "word word…"


def test_the_start_page_addresses() -> None:
    canonical, alternates = seo.addresses("https://x.example/", ["en-GB", "es"], "es")
    assert canonical == "https://x.example/es/"
    assert alternates == (
        seo.Alternate("en-GB", "https://x.example/en-GB/"),
        seo.Alternate("es", "https://x.example/es/"),
        seo.Alternate("x-default", "https://x.example/"),
    )
    assert seo.addresses("https://x.example/a", ["es"], None)[0] == "https://x.example/a/"
    assert seo.indexable_paths(True, ["en-GB", "es"]) == {"/", "/en-GB/", "/es/"}
    assert seo.indexable_paths(False, ["en-GB", "es"]) == frozenset()


def test_a_long_title_of_the_rules_is_the_description_alone(rules_file) -> None:  # type: ignore[no-untyped-def]
    title = "Before you try prostate massage: check for the warning signs that mean you should see a doctor or a nurse first"
    text = default_rules_path().read_text(encoding="utf-8")
    old = 'title: "Before you try prostate massage: check for warning signs"'
    assert old in text
    path: Path = rules_file(text.replace(old, f'title: "{title}"', 1))
    app = make_app(RULES=str(path), PUBLIC_URL=PUBLIC, LANGUAGES=["en-GB"])
    found = head(app.test_client().get("/"))
    assert len(description_in("en-GB", title)) > seo.MAX_DESCRIPTION
    assert found["description"] == [title]
    assert found["alternates"] == [("en-GB", f"{PUBLIC}/en-GB/"), ("x-default", f"{PUBLIC}/")]
