"""The review report for clinical sign-off, in HTML and Markdown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from bs4 import BeautifulSoup
from click.testing import CliRunner

from screener.catalogs import catalog_directories, interface_messages, load_catalog
from screener.cli import main
from screener.report import (
    _context,
    breakable,
    css_string,
    describe,
    interface_text,
    placeholders,
    plural_labels,
    render,
    shown_path,
    translations,
)
from screener.resources import data_dir, default_rules_path, schema
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


def page(ruleset: Ruleset) -> BeautifulSoup:
    """The HTML report, read as a person reads it: the <wbr> that lets an id wrap at its
    "_" (see test_ids_and_addresses_wrap_only_between_their_parts) leaves the id whole."""
    text = render(ruleset, verify(ruleset), fmt="html", seconds=0.5)
    return BeautifulSoup(text.replace("<wbr>", ""), "html.parser")


@pytest.fixture(scope="module")
def html(ruleset: Ruleset) -> BeautifulSoup:
    return page(ruleset)


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
    assert "if new severe pain is yes or not sure → Speak to a doctor or nurse today" in text
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
    side = html.find("strong", string=ruleset.question_by_id["fever_recent"].text)
    assert side is not None
    spanish = side.find_next_sibling("span")
    assert spanish is not None and spanish["lang"] == "es"
    assert spanish.get_text(" ", strip=True) == (
        "es ¿Ha tenido fiebre o escalofríos en las últimas 48 horas?"
    )
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
    html = page(ruleset)
    question = html.find("strong", string="Was there any blood in your pee?")
    assert question is not None
    mark = question.find_next_sibling("span")
    assert mark is not None and mark.get_text(" ", strip=True) == "es not translated"
    assert mark.select_one("strong.bad") is not None
    assert f"{total - 1} of them are translated" in html.get_text(" ", strip=True)


def test_the_decision_table_is_complete(html: BeautifulSoup, ruleset: Ruleset) -> None:
    """Every rule, with its condition in words and its outcome, every question with when it
    is asked, every outcome and every case, as the report builder has them, in its order."""
    built = _context(ruleset, verify(ruleset), 0.0, datetime.now(UTC), ())
    heading = html.find("h2", string="Rules")
    assert heading is not None
    rows = heading.find_next("table").select("tbody > tr")
    assert [row.td.get_text() for row in rows] == [
        f"{item['rule'].id}: if {item['condition']} → {item['outcome'].title}"
        for item in built["rules"]
    ]
    heading = html.find("h2", string="Questions")
    assert heading is not None
    cells = [row.select("td")[1] for row in heading.find_next("table").select("tbody > tr")]
    assert [cell.code.get_text() for cell in cells] == [
        i["question"].id for i in built["questions"]
    ]
    for cell, item in zip(cells, built["questions"], strict=True):
        asked = cell.select_one(".asked")
        assert asked is None if item["asked"] == "always" else item["asked"] in asked.get_text()
    shown = [box.code.get_text() for box in html.select(".outcomes .outcome")]
    assert shown == [o.id for o in ruleset.outcomes]
    heading = html.find("h2", string="Cases")
    assert heading is not None
    rows = heading.find_next("table").select("tbody > tr")
    assert [(r.td.code.get_text(), r.select("td")[2].get_text()) for r in rows] == [
        (item["case"].id, item["case"].outcome) for item in built["cases"]
    ]
    md = render(ruleset, verify(ruleset), fmt="md").splitlines()
    table = [line for line in md if line.startswith("| `") and " → **" in line]
    assert [line.split(" | ")[:2] for line in table] == [
        [f"| `{item['rule'].id}`", f"If {item['condition']} → **{item['outcome'].title}**"]
        for item in built["rules"]
    ]


def test_each_rules_text_is_followed_by_its_translation(
    html: BeautifulSoup, ruleset: Ruleset
) -> None:
    """The HTML report prints each rules text once, its Spanish right after it, so the
    reviewer of the translation reads every text beside its original and in its place."""
    spanish = {text.text: translated for text, translated in translations(ruleset)[0]["pairs"]}
    answers = {
        ", ".join(o.label for o in q.options): [o.label for o in q.options] for q in ruleset.flow
    }
    beside = {
        **spanish,
        **{
            shown: ", ".join(spanish[label] for label in labels)
            for shown, labels in answers.items()
        },
    }
    read = set()
    for span in html.select("span.tr"):
        assert span["lang"] == "es" and span.b is not None and span.b.get_text() == "es"
        translated = span.get_text(" ", strip=True).removeprefix("es ")
        before = next(s for s in span.find_all_previous(string=True) if s.strip()).strip(" :")
        originals = [o for o, t in beside.items() if t == translated and before.endswith(o)]
        assert originals, f"{translated!r} does not follow its original ({before[-60:]!r})"
        read.update(answers.get(originals[0], originals[:1]))
    assert read == set(spanish)
    assert "The rules file's texts" not in html.get_text(), "no second listing of them"


def test_plural_messages_show_every_form(html: BeautifulSoup, ruleset: Ruleset) -> None:
    """The pages' own texts that depend on a number: both English forms and every Spanish
    form (msgstr[0], [1], [2]), each labelled with its plural category and counts."""
    with open(data_dir("translations") / "messages.pot", "rb") as pot:
        english = {str(m.id[0]): str(m.id[1]) for m in read_po(pot) if m.pluralizable}
    plural = sorted(m[0] for m in interface_messages() if isinstance(m, tuple))
    assert plural, "the pages have plural messages (the privacy notice's minutes)"
    known = load_catalog(catalog_directories([]), "es")._catalog
    rows = {row.td.li.get_text(" ", strip=True): row for row in html.select("tr.plural")}
    md = render(ruleset, verify(ruleset), fmt="md")
    for singular in plural:
        forms = [known.get((singular, n)) for n in range(3)]
        shown = [f if f not in (singular, english[singular]) else None for f in forms]
        row = rows[f"one (1): {singular}"]
        cells = row.select("td")
        assert [li.get_text(" ", strip=True) for li in cells[0].select("li")] == [
            f"one (1): {singular}",
            f"other (0, 2, 3, …): {english[singular]}",
        ]
        assert [li.get_text(" ", strip=True) for li in cells[1].select("li")] == [
            f"{label}: {text or 'not translated'}"
            for label, text in zip(
                ["one (1)", "many (1\u202f000\u202f000, …)", "other (0, 2, 3, …)"],
                shown,
                strict=True,
            )
        ]
        assert (
            f"| *one (1):* {singular}<br>*other (0, 2, 3, …):* {english[singular]} | "
            f"*one (1):* {shown[0] or '**not translated**'}<br>"
            f"*many (1\u202f000\u202f000, …):* {shown[1] or '**not translated**'}<br>"
            f"*other (0, 2, 3, …):* {shown[2] or '**not translated**'} |"
        ) in md


def test_plural_forms_are_labelled_by_category_and_count() -> None:
    polish = lambda n: 0 if n == 1 else 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2  # noqa: E731
    assert plural_labels(polish, 3, "pl") == ["one (1)", "few (2, 3, 4, …)", "many (0, 5, 6, …)"]
    assert plural_labels(lambda n: 0, 1, "ja") == ["other (0, 1, 2, …)"]
    assert plural_labels(lambda n: int(n != 1), 2, "xx") == ["form 1 (1)", "form 2 (0, 2, 3, …)"]
    assert plural_labels(lambda n: 0 if n == 1 else 1, 3, "en") == [
        "one (1)",
        "other (0, 2, 3, …)",
        "form 3 (no count up to 10⁹)",
    ]


def test_a_plural_form_left_empty_is_marked_not_translated(tmp_path: Path) -> None:
    """gettext compiles an empty msgstr[n] as the English: the report says it is missing."""
    with open(data_dir("translations") / "messages.pot", "rb") as pot:
        message = next(m for m in read_po(pot) if m.pluralizable)
    catalog = Catalog(locale="es")
    catalog.add(message.id, ("uno", "", "muchos"))
    with open(tmp_path / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    with open(tmp_path / "messages.mo", "rb") as mo:
        loaded = Translations(mo)
    shown = interface_text(loaded, "es", (str(message.id[0]), 0))
    assert [text for _, text in shown["original"]] == [str(message.id[0]), str(message.id[1])]
    assert [text for _, text in shown["translated"]] == ["uno", None, "muchos"]


def test_the_rules_file_is_named_from_where_the_report_was_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative to the folder the command ran in; outside it, by its name alone: a path on
    the author's computer means nothing on paper and may name their home folder."""
    rules = tmp_path / "clinic" / "rules" / "ours.yaml"
    rules.parent.mkdir(parents=True)
    rules.write_text(default_rules_path().read_text("utf-8"), "utf-8")
    (tmp_path / "elsewhere").mkdir()
    for folder, shown in (
        ("clinic", "`rules/ours.yaml`"),
        ("clinic/rules", "`ours.yaml`"),
        ("elsewhere", "`ours.yaml` (outside the folder the report was made in)"),
    ):
        monkeypatch.chdir(tmp_path / folder)
        for fmt in ("md", "html") if folder == "elsewhere" else ("md",):
            result = CliRunner().invoke(main, ["report", "--rules", str(rules), "--format", fmt])
            assert result.exit_code == 0, result.output
            assert str(tmp_path) not in result.stdout
            if fmt == "md":
                assert f"- **File:** {shown}\n" in result.stdout
            else:
                file = BeautifulSoup(result.stdout, "html.parser").find("dt", string="File")
                assert file is not None and file.find_next("dd").get_text() == shown.replace(
                    "`", ""
                )
    monkeypatch.chdir(tmp_path / "clinic")
    assert shown_path("rules/ours.yaml") == ("rules/ours.yaml", "")
    assert shown_path(str(default_rules_path()), tmp_path) == (
        "prostate-massage.yaml",
        "the default rules installed with Screener",
    )


def test_ids_and_addresses_wrap_only_between_their_parts() -> None:
    assert breakable("fever_with_pain") == "fever_<wbr>with_<wbr>pain"
    assert breakable("https://cks.nice.org.uk/a-b/") == (
        "https://<wbr>cks.<wbr>nice.<wbr>org.<wbr>uk/<wbr>a-<wbr>b/"
    )
    assert breakable("<b>_x") == "&lt;b&gt;_<wbr>x"
    assert placeholders("after %(num)d <min> {emergency_number}") == (
        'after <span class="ph">%(num)d</span> &lt;min&gt; <span class="ph">{emergency_number}</span>'
    )
    assert (
        css_string('Report, v1.0 "x" </style>') == '"Report, v1.0 \\22 x\\22  \\3c \\2f style\\3e "'
    )
