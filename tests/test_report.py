"""The review report for clinical sign-off, in HTML and Markdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from screener.cli import main
from screener.report import describe, render
from screener.resources import schema
from screener.ruleset import Ruleset, parse
from screener.verify import verify
from tests.test_ruleset import MINI


def test_conditions_in_plain_words(ruleset: Ruleset) -> None:
    rule = next(r for r in ruleset.rules if r.id == "fever_with_problems_peeing")
    assert describe(rule.when, ruleset) == (
        "fever recent is yes or not sure and (pee pain or urgency is yes or not sure or "
        "weak flow is yes or not sure)"
    )
    rules = parse(
        MINI.replace(
            "    when: {question: b, in: [yes, unsure]}\n    outcome: high",
            "    when: {not: {question: a, is: no}}\n    outcome: high",
        ),
        filename="m.yaml",
        schema=schema(),
    )
    assert describe(rules.rules[0].when, rules) == "not (a is no)"


@pytest.fixture(scope="module")
def html(ruleset: Ruleset) -> BeautifulSoup:
    return BeautifulSoup(render(ruleset, verify(ruleset), fmt="html", seconds=0.5), "html.parser")


def test_html_report_holds_what_is_signed_off(html: BeautifulSoup, ruleset: Ruleset) -> None:
    text = html.get_text(" ", strip=True)
    assert ruleset.sha256 in text and ruleset.version in text and ruleset.id in text
    assert "Draft" in text and "has not been reviewed by a clinician" in text
    assert "111,323,603,475 combinations checked" in text and "No findings" in text
    for q in ruleset.questions:
        assert q.text in text
    assert "fever recent is yes or not sure" in text, "when the follow-up is asked"
    for r in ruleset.rules:
        assert r.reason in text and r.id in text
        assert r.source.quote is None or r.source.quote in text
        assert r.source.url is not None and r.source.url in text
    assert "If new severe pain is yes or not sure → Speak to a doctor or nurse today" in text
    for o in ruleset.outcomes:
        assert o.title in text and o.body in text
    for c in ruleset.cases:
        assert c.id in text
    assert [span.get_text() for span in html.select("td span.ok")] == ["passes"] * len(
        ruleset.cases
    )
    assert "Clinical safety officer" in text


def test_html_report_is_one_self_contained_file(html: BeautifulSoup) -> None:
    assert html.find("style") is not None
    assert not html.find_all("script")
    assert not html.find_all("link")
    assert not html.find_all(src=True)
    assert not [a for a in html.find_all("a", href=True) if not a["href"].startswith("#")]
    assert "@media print" in html.find("style").get_text()


def test_markdown_report(ruleset: Ruleset) -> None:
    text = render(ruleset, verify(ruleset), fmt="md")
    assert text.startswith("# Review report: ")
    assert f"`{ruleset.sha256}`" in text
    assert (
        "| `severe_pain_now` | If new severe pain is yes or not sure → **Speak to a doctor or "
        "nurse today** | You told us you have new, severe pain in your lower tummy, bottom, "
        "genitals or lower back.<br>Not sure: You were not sure" in text
    )
    assert "<https://www.nhs.uk/conditions/prostate-enlargement/>" in text
    assert "Shown on every page, word for word: **Get help now if you cannot pee" in text
    assert "Out of scope (not an outcome): **This check is not made for you**" in text
    assert "<br>72, enlarged prostate, weak flow, no red flags |" in text
    assert "On a kiosk, first: **Tell a member of staff now, before you leave.**" in text
    assert "## Cases" in text and "## Sign-off" in text


def test_report_lists_findings(rules_file: Callable[[str], Path]) -> None:
    path = rules_file(MINI.replace("others: no, outcome: low", "others: yes, outcome: low"))
    result = CliRunner().invoke(main, ["report", "--rules", str(path), "--format", "md"])
    assert result.exit_code == 1
    assert "1 finding:" in result.stdout
    assert "case 'none' expects 'low' but gets 'high'" in result.stdout
    assert "**fails: High**" in result.stdout


def test_report_command_writes_files_and_picks_the_format(tmp_path: Path) -> None:
    runner = CliRunner()
    html_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    assert runner.invoke(main, ["report", "-o", str(html_path)]).exit_code == 0
    assert runner.invoke(main, ["report", "-o", str(md_path)]).exit_code == 0
    assert html_path.read_text().startswith("<!doctype html>")
    assert md_path.read_text().startswith("# Review report")
    out = runner.invoke(main, ["report", "--format", "md"])
    assert out.exit_code == 0 and out.stdout.startswith("# Review report")


def test_report_refuses_an_invalid_file(rules_file: Callable[[str], Path]) -> None:
    path = rules_file(MINI.replace("    outcome: high", "    outcome: nowhere"))
    result = CliRunner().invoke(main, ["report", "--rules", str(path)])
    assert result.exit_code == 1
    assert f"{path}:16:" in result.output
    assert "<html" not in result.output


def test_markdown_table_cells_escape_pipes(rules_file: Callable[[str], Path]) -> None:
    path = rules_file(MINI.replace("text: Question A?", "text: Question A | or B?"))
    result = CliRunner().invoke(main, ["report", "--rules", str(path), "--format", "md"])
    row = next(line for line in result.stdout.splitlines() if "Question A" in line)
    assert "Question A \\| or B?" in row
    assert row.count(" | ") == 4, "five cells: the pipe in the text does not add one"


def test_report_shows_each_translation_and_its_review(
    html: BeautifulSoup, ruleset: Ruleset, tmp_path: Path
) -> None:
    text = html.get_text(" ", strip=True)
    assert "Translations" in text
    status = html.find("h2", string="Translations")
    assert status is not None
    row = status.find_next("table").select("tbody tr")
    assert [r.select_one("td").get_text(strip=True) for r in row] == ["es"]
    cells = [c.get_text(" ", strip=True) for c in row[0].select("td")]
    assert cells[1].startswith("Draft: not reviewed by a clinician")
    assert cells[2:] == [
        "Screener team",
        "nobody yet",
        f"{len({t.text for t in ruleset.texts()})} of {len({t.text for t in ruleset.texts()})}",
    ]
    side = html.find("td", string=ruleset.question_by_id["fever_recent"].text)
    assert side is not None
    spanish = side.find_next_sibling("td")
    assert spanish is not None and spanish["lang"] == "es"
    assert spanish.get_text() == "¿Ha tenido fiebre o escalofríos en las últimas 48 horas?"
    assert "Clinical reviewer of the es translation" in text


def test_report_marks_an_untranslated_text(tmp_path: Path) -> None:
    from screener.resources import default_rules_path

    changed = (
        default_rules_path()
        .read_text("utf-8")
        .replace(
            "text: Was there blood in your pee?",
            "text: Was there any blood in your pee?",
        )
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(changed, "utf-8")
    ruleset = parse(changed, filename=str(rules), schema=schema())
    md = render(ruleset, verify(ruleset), fmt="md")
    assert (
        "| blood_in_urine: question | Was there any blood in your pee? | **not translated** |" in md
    )
    total = len({t.text for t in ruleset.texts()})
    assert f"| {total - 1} of {total} |" in md
