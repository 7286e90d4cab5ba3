"""Screener's gettext catalogs on disk: finding, loading and measuring them (no Flask).

``screener.i18n`` uses these to decide which languages a server offers, and
``screener report`` to show each translation's coverage and review status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.pofile import read_po
from babel.support import Translations

from screener.approvals import Standing, standing, translation_fingerprint
from screener.resources import data_dir
from screener.ruleset import Ruleset

if TYPE_CHECKING:
    from screener.verify import Finding

DOMAIN = "messages"


def catalog_directories(extra: Sequence[str]) -> list[Path]:
    """Screener's own catalogs, then any configured ones (which win where both translate)."""
    return [data_dir("translations"), *(Path(d) for d in extra)]


def load_catalog(directories: Iterable[Path], code: str) -> Translations:
    """The compiled catalogs for ``code`` in every directory, merged in order.

    The first catalog found is the one the others merge into, so its plural rule
    (Polish has three forms, Arabic six) is kept: merging only copies messages.
    """
    merged: Translations | None = None
    for directory in directories:
        found = Translations.load(str(directory), [code], DOMAIN)
        if not isinstance(found, Translations):  # there is no catalog for code there
            continue
        if merged is None:
            merged = found
        else:
            merged.merge(found)
    return merged if merged is not None else Translations(domain=DOMAIN)


Message = str | tuple[str, int]  # an id, or a plural id and the form's index, as in gettext


def interface_messages() -> set[Message]:
    """The interface's messages (the template and code strings, not rules texts)."""
    with open(data_dir("translations") / f"{DOMAIN}.pot", "rb") as pot:
        template = read_po(pot)
    return {
        (str(message.id[0]), 0) if message.pluralizable else str(message.id)
        for message in template
        if message.id
        and not all(Path(path).parts[:1] == ("rules",) for path, _ in message.locations)
    }


def untranslated(catalog: Translations, messages: Iterable[Message]) -> list[str]:
    """The messages the catalog has no translation for."""
    known = catalog._catalog  # gettext's table of every translated message
    return [m if isinstance(m, str) else m[0] for m in messages if not known.get(m)]


def found_codes(directories: Iterable[Path]) -> set[str]:
    return {
        mo.parent.parent.name
        for directory in directories
        if directory.is_dir()
        for mo in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    }


def needed_messages(ruleset: Ruleset) -> set[Message]:
    """What a language must translate to be offered with these rules: the interface and texts.

    ``ruleset`` is the rules as written, placeholders unfilled: the catalogs translate
    ``{emergency_number}`` as it stands, whatever number a server fills in.
    """
    return interface_messages() | {t.text for t in ruleset.texts()}


def fingerprint(
    catalog: Translations, ruleset: Ruleset, needed: Iterable[Message] | None = None
) -> str:
    """The fingerprint of a translation as the catalog gives it now: each message a
    person can read with these rules (:func:`needed_messages`) beside its translation,
    and the rules' own fingerprint.

    A clinician's approval of the translation names this value (``screener approve
    --lang``); any later change to a translated text, or to the rules, changes it,
    and the translation then counts as unreviewed again. ``needed`` saves working
    those messages out again.
    """
    known = catalog._catalog
    pairs: list[tuple[str, str]] = []
    for message in needed if needed is not None else needed_messages(ruleset):
        if isinstance(message, str):
            pairs.append((message, known.get(message, "")))
            continue
        text, form = message[0], 0
        while (text, form) in known or form == 0:
            pairs.append((f"{text}[{form}]", known.get((text, form), "")))
            form += 1
    return translation_fingerprint(ruleset.fingerprint, pairs)


def N_(message: str) -> str:
    """Mark a message for ``pybabel extract``; it is translated later, by a catalog."""
    return message


# What the rules' texts say in place of {emergency_number} when no number is known.
LOCAL_EMERGENCY_NUMBER = N_("your local emergency number")


def placeholder_values(number: str, catalog: Translations) -> dict[str, str]:
    """What fills the rules' placeholders in a catalog's language: the emergency number,
    or "your local emergency number" translated when there is none."""
    return {"emergency_number": number or catalog.gettext(LOCAL_EMERGENCY_NUMBER)}


def review_standing(ruleset: Ruleset, code: str, now: str) -> Standing:
    """A translation's clinical review as it stands, given its fingerprint ``now``:
    NOT_RECORDED without an entry in the rules file, approved only while one of its
    approvals names ``now``, CHANGED when they all name other texts or other rules."""
    entry = ruleset.translations.get(code)
    if entry is None:
        return standing(None, (), now)
    return standing(entry.status, entry.approvals, now)


def stale_approvals(ruleset: Ruleset, directories: Sequence[Path]) -> list[Finding]:
    """Every approval, of the rules or of a translation, given for other content than
    they have now: what ``screener check`` reports, each at its line in the file."""
    from screener.verify import Finding

    found = [
        Finding(
            "approval",
            a.line,
            "review",
            f"the approval by {a.by} ({a.role}) on {a.date} is stale: what people read or "
            "the engine uses has changed since, so the pages say draft; have the change "
            "reviewed and record a new approval with `screener approve`, or remove this one",
            kind="stale",
        )
        for a in ruleset.standing.stale
    ]
    for code, entry in sorted(ruleset.translations.items()):
        if not entry.approvals:
            continue
        now = fingerprint(load_catalog(directories, code), ruleset)
        found += [
            Finding(
                "approval",
                a.line,
                f"translations.{code}",
                f"the approval by {a.by} ({a.role}) on {a.date} is stale: the {code} texts "
                "or the rules have changed since, so the pages in that language say it has "
                "not been checked; have it reviewed again and record a new approval with "
                f"`screener approve --lang {code}`, or remove this one",
                kind="stale",
            )
            for a in review_standing(ruleset, code, now).stale
        ]
    return found
