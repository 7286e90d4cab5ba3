"""The README's examples are what Screener really does: its command list names every
command with the options each really takes, and its `screener evaluate` example is the
real output for the answers it shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from screener import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in one language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_the_command_list_names_every_command_with_its_options() -> None:
    (listing,) = [b for b in blocks("sh") if b.startswith("screener ")]
    lines = [line.split("#")[0].split() for line in listing.splitlines() if line.strip()]
    listed = {words[1]: words[2:] for words in lines}
    assert set(listed) == set(cli.main.commands), "the README lists every command, no more"
    for name, words in listed.items():
        command = cli.main.commands[name]
        options = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        shown = {w.strip("[]").split("|")[0] for w in words if w.strip("[]").startswith("--")}
        assert shown <= options, f"screener {name}: the README shows {shown - options}"


def test_the_evaluate_example_is_the_real_output() -> None:
    at = README.index("`screener evaluate` reads a JSON object")
    answers_text, shown_text = re.findall(r"```json\n(.*?)```", README[at:], flags=re.DOTALL)[:2]
    answers = json.loads(answers_text)
    result = CliRunner().invoke(cli.main, ["evaluate", "-"], input=json.dumps(answers))
    assert result.exit_code == 0, result.output
    real: dict[str, Any] = json.loads(result.stdout)

    shown = json.loads(shown_text.replace('"sha256": "75930d29ae8d..."', '"sha256": "..."'))
    assert shown["outcome"] == real["outcome"]
    assert shown["scope"] == real["scope"] and shown["language"] == real["language"]
    assert {k: v for k, v in shown["ruleset"].items() if k != "sha256"} == {
        k: v for k, v in real["ruleset"].items() if k != "sha256"
    }
    prefix = re.search(r'"sha256": "([0-9a-f]+)\.\.\."', shown_text)
    assert prefix is not None and real["ruleset"]["sha256"].startswith(prefix.group(1))
    # The example is trimmed, and says how: the reasons it shows are the first ones, and
    # the counts it gives are the real counts.
    reasons = real["reasons"]
    assert shown["reasons"] == reasons[: len(shown["reasons"])]
    said = re.search(
        r"the real output lists (\d+) reasons, the (\d+) `(\w+)` ones\s+then the (\d+) "
        r"`(\w+)` ones; these are its first (\d+)",
        README[at:],
    )
    assert said is not None, "the README says how its example is trimmed"
    total, first, first_tier, second, second_tier, kept = said.groups()
    assert int(total) == len(reasons)
    assert [r["outcome"] for r in reasons] == [first_tier] * int(first) + [second_tier] * int(
        second
    )
    assert int(kept) == len(shown["reasons"])
