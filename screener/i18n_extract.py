"""A Babel extraction method for rules files, so ``pybabel extract`` collects their texts.

Registered as the ``screener_rules`` extractor (see ``babel.cfg`` and the
``babel.extractors`` entry point in ``pyproject.toml``). Each text people read
(questions, hints, answers, outcomes, next steps and reasons) becomes a
message whose id is the English text itself, so changing a text in the rules
file leaves its translation missing (or fuzzy) until a translator looks at it
again. The comment beside each message says which question, outcome or rule it
belongs to. A rules file that fails its checks stops the extraction: a catalog
built from a broken file would be worse than none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from screener.resources import schema
from screener.ruleset import parse


def extract_rules(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield ``(line, funcname, message, comments)`` for every text of a rules file."""
    name = str(getattr(fileobj, "name", "<rules>"))
    ruleset = parse(fileobj.read().decode("utf-8"), filename=name, schema=schema())
    for text in ruleset.texts():
        yield text.line, None, text.text, [f"{ruleset.id} {text.role}"]
