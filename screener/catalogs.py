"""Screener's gettext catalogs on disk: finding, loading and measuring them (no Flask).

``screener.i18n`` uses these to decide which languages a server offers, and
``screener report`` to show each translation's coverage and review status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

from screener.resources import data_dir
from screener.ruleset import Ruleset

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


def fingerprint(catalog: Translations, messages: Iterable[Message]) -> str:
    """The sha256 of these messages as the catalog translates them now.

    A clinical reviewer approves a translation by recording this value in the rules
    file (``reviewed_sha256``); any later change to a translated text changes it,
    and the translation then counts as unreviewed again.
    """
    known = catalog._catalog
    digest = hashlib.sha256()
    for message in sorted(messages, key=str):
        if isinstance(message, str):
            pairs = [(message, known.get(message, ""))]
        else:
            text, form = message[0], 0
            pairs = []
            while (text, form) in known or form == 0:
                pairs.append((f"{text}[{form}]", known.get((text, form), "")))
                form += 1
        for original, translated in pairs:
            digest.update(f"{original}\x1f{translated}\x1e".encode())
    return digest.hexdigest()


def N_(message: str) -> str:
    """Mark a message for ``pybabel extract``; it is translated later, by a catalog."""
    return message


# What the rules' texts say in place of {emergency_number} when no number is known.
LOCAL_EMERGENCY_NUMBER = N_("your local emergency number")


def placeholder_values(number: str, catalog: Translations) -> dict[str, str]:
    """What fills the rules' placeholders in a catalog's language: the emergency number,
    or "your local emergency number" translated when there is none."""
    return {"emergency_number": number or catalog.gettext(LOCAL_EMERGENCY_NUMBER)}


# The review of a translation whose texts changed after a clinician approved them.
CHANGED = "changed since review"


def review_status(ruleset: Ruleset, code: str, now: str) -> str:
    """A translation's clinical review as it stands: its recorded status, "not recorded",
    or CHANGED when it was approved for other texts than ``now`` fingerprints."""
    entry = ruleset.translations.get(code)
    if entry is None:
        return "not recorded"
    if entry.status == "approved" and entry.reviewed_sha256 != now:
        return CHANGED
    return entry.status
