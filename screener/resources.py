"""Where Screener's files are, and reading rules files from disk.

The templates and rules live at the top of the source tree and inside the
package once installed from a wheel; these helpers find them in either place.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from screener.ruleset import Problem, Ruleset, RulesetError, parse

_PACKAGE = Path(__file__).resolve().parent

DEFAULT_RULES_NAME = "prostate-massage.yaml"


def data_dir(name: str) -> Path:
    """The directory ``name`` (``templates`` or ``rules``), installed or in a source checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Screener's {name} directory is missing from the installation")


def default_rules_path() -> Path:
    """The rules file used when none is configured."""
    return data_dir("rules") / DEFAULT_RULES_NAME


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema every rules file must meet."""
    loaded: dict[str, Any] = json.loads((data_dir("rules") / "schema.json").read_text("utf-8"))
    return loaded


def load_ruleset(path: str | Path) -> Ruleset:
    """Read and check a rules file; raise RulesetError naming file:line for every problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesetError([Problem(name, 1, "no such file")]) from None
    except UnicodeDecodeError as e:
        raise RulesetError([Problem(name, 1, f"not UTF-8 text ({e.reason})")]) from None
    except OSError as e:
        raise RulesetError([Problem(name, 1, f"cannot read the file: {e.strerror}")]) from None
    return parse(text, filename=name, schema=schema(), interface=interface_texts())


@cache
def interface_texts() -> tuple[str, ...]:
    """The English texts of Screener's own pages (the message catalog template, less the
    rules' texts), sorted: a clinician's approval covers them with the rules file."""
    from babel.messages.pofile import read_po

    with open(data_dir("translations") / "messages.pot", "rb") as pot:
        template = read_po(pot)
    return tuple(
        sorted(
            "\x1f".join(message.id) if message.pluralizable else str(message.id)
            for message in template
            if message.id
            and not all(Path(path).parts[:1] == ("rules",) for path, _ in message.locations)
        )
    )
