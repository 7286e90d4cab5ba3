"""A right-to-left test locale, made at test time: every message in Hebrew letters.

Screener ships no right-to-left language yet. To prove the pages work right to
left before one arrives, the tests build a Hebrew (``he``) catalog in which
every message of the template (interface and rules texts) is the English text
with its Latin letters swapped for Hebrew ones, placeholders (``%(name)s``,
``{emergency_number}``) kept. It is
readable to nobody, and is never shipped: it exists only in a temporary
directory given to the app as ``TRANSLATIONS``.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from screener.resources import data_dir

LOCALE = "he"
_LETTERS = "אבגדהוזחטיכלמנסעפצקרשתאבגד"  # a-z, wrapping round for the last few
_SWAP = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", _LETTERS[:26] * 2)
# gettext's placeholders, and the rules texts' own ({emergency_number}).
_PLACEHOLDER = re.compile(r"(%\([a-z_]+\)[sd]|%%|\{[a-z_]+\})")


def pseudo(text: str) -> str:
    """The text in Hebrew letters, its placeholders untouched."""
    return "".join(
        part if _PLACEHOLDER.fullmatch(part) else part.translate(_SWAP)
        for part in _PLACEHOLDER.split(text)
    )


def write_catalog(directory: Path) -> Path:
    """Write the pseudo-Hebrew catalog under ``directory``; return ``directory``."""
    with open(data_dir("translations") / "messages.pot", "rb") as pot:
        template = read_po(pot)
    catalog = Catalog(locale=LOCALE)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            forms = [pseudo(singular)] + [pseudo(plural)] * (catalog.num_plurals - 1)
            catalog.add(message.id, tuple(forms))
        else:
            catalog.add(message.id, pseudo(str(message.id)))
    target = directory / LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return directory
