"""The catalogs: up to date with the sources, complete, never fuzzy, compiled as written.

`make i18n` fixes everything these tests can find except a missing or fuzzy
translation, which needs a translator (docs/translating.md).
"""

from __future__ import annotations

import io
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from screener.resources import data_dir, default_rules_path, load_ruleset

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = data_dir("translations")
TEMPLATE = CATALOGS / "messages.pot"
LOCALES = sorted(p.parent.parent.name for p in CATALOGS.glob("*/LC_MESSAGES/messages.po"))


def read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f)


def ids(catalog: Catalog) -> set[object]:
    """Every message id (a plural one as a pair), without the header."""
    return {m.id for m in catalog if m.id}


def test_english_is_not_the_only_language() -> None:
    assert "es" in LOCALES


def test_the_template_is_up_to_date_with_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "lazy_gettext"]
    CommandLineInterface().run([*argv, "-o", str(fresh), "."])
    assert ids(read(fresh)), "the extraction found nothing"
    missing = ids(read(fresh)) - ids(read(TEMPLATE))
    stale = ids(read(TEMPLATE)) - ids(read(fresh))
    assert (missing, stale) == (set(), set()), "run `make i18n`"


def test_the_template_holds_every_rules_text() -> None:
    texts = {t.text for t in load_ruleset(default_rules_path()).texts()}
    assert texts <= ids(read(TEMPLATE))


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalog_has_exactly_the_template_messages(locale: str) -> None:
    po = read(CATALOGS / locale / "LC_MESSAGES" / "messages.po")
    assert ids(po) == ids(read(TEMPLATE)), "run `make i18n`"
    assert not po.obsolete, "run `make i18n` (it drops obsolete messages)"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalog_translates_everything_and_nothing_is_fuzzy(locale: str) -> None:
    po = read(CATALOGS / locale / "LC_MESSAGES" / "messages.po")
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    missing = [
        m.id
        for m in po
        if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert fuzzy == [], f"{locale}: fuzzy translations need a translator's review"
    assert missing == [], f"{locale}: untranslated messages"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_translation_keeps_the_placeholders(locale: str) -> None:
    po = read(CATALOGS / locale / "LC_MESSAGES" / "messages.po")
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check() if errors]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_each_compiled_catalog_is_its_source_compiled(locale: str) -> None:
    directory = CATALOGS / locale / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, read(directory / "messages.po"))
    compiled.seek(0)
    with open(directory / "messages.mo", "rb") as shipped:
        assert GNUTranslations(shipped)._catalog == GNUTranslations(compiled)._catalog, (
            "run `make i18n`"
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_each_shipped_language_has_its_review_status_in_the_rules_file(locale: str) -> None:
    ruleset = load_ruleset(default_rules_path())
    assert locale in ruleset.translations, "say who translated it and whether it was reviewed"
