"""The ``screener`` command: check rules files, evaluate answers, serve the app."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from screener import engine, verify
from screener.config import ConfigError, check_metrics_host, from_environ, new_secret_key
from screener.config import public_url as public_url_setting
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset, RulesetError

if TYPE_CHECKING:
    from flask import Flask

    from screener.approvals import Approval
    from screener.readability import Readability

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2


def _configured_rules() -> Path:
    """The rules file from SCREENER_RULES, or the packaged default."""
    try:
        rules = from_environ(os.environ).get("RULES")
    except ConfigError as e:
        _fail_settings(e)
    return Path(rules) if rules else default_rules_path()


def _fail(message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    click.echo(f"screener: {message}", err=True)
    sys.exit(code)


def _fail_settings(error: ConfigError) -> NoReturn:
    """Settings Screener cannot use: one line each (``screener: SCREENER_X: problem``), exit 2."""
    for problem in error.problems or (str(error),):
        click.echo(f"screener: {problem}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _load(path: Path) -> Ruleset:
    try:
        return load_ruleset(path)
    except RulesetError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_PROBLEMS)


def _app(overrides: dict[str, Any], undone: str) -> Flask:
    """The app from the settings and ``overrides``; on a rules file with problems, each
    problem and exit 1 ("nothing is ``undone``"); on a bad setting, one line each, exit 2."""
    from screener import create_app

    try:
        return create_app(overrides)
    except RulesetError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        _fail(f"the rules file has problems; nothing is {undone}")
    except ConfigError as e:
        _fail_settings(e)


def _output_option(help_text: str) -> Callable[[F], F]:
    """The ``-o/--output FILE`` option of the commands that write a document."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=help_text,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="screener")
def main() -> None:
    """Screener: a contraindication screening questionnaire driven by a rules file."""


@main.command()
@click.argument("rules", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--exhaustive",
    is_flag=True,
    help="Check by enumerating every combination, one by one (the prover's oracle: "
    "small rulesets only).",
)
def check(rules: tuple[Path, ...], exhaustive: bool) -> None:
    """Check and prove rules files (default: the configured one).

    Validates each file, then proves for every reachable combination of
    answers: each gets one outcome, moving an answer towards care never lowers
    it, nothing is dead, the file's cases pass, and no text diagnoses. An
    approval (`screener approve`) of other content than the file has now is a
    finding too: it is stale. Prints every finding as FILE:LINE: [check]
    what: why, with an example where there is one. Exits 1 on any finding.
    """
    failed = False
    for path in rules or (_configured_rules(),):
        problems = _check_one(path, exhaustive=exhaustive)
        if problems:
            failed = True
            click.echo(f"{path}: {problems} finding{'s' if problems != 1 else ''}")
    sys.exit(EXIT_PROBLEMS if failed else 0)


def _check_one(path: Path, *, exhaustive: bool = False, approvals: bool = True) -> int:
    """Check one file, print what was found, and return how many problems there are
    (with ``approvals``, an approval for other content than the file has now is one)."""
    try:
        ruleset = load_ruleset(path)
    except RulesetError as e:
        for problem in e.problems:
            click.echo(str(problem))
        return len(e.problems)
    started = time.perf_counter()
    result = verify.verify(ruleset, exhaustive=exhaustive)
    seconds = time.perf_counter() - started
    click.echo(f"{path}: {ruleset.id} {ruleset.version} ({ruleset.short_hash})")
    click.echo(f"  {verify.summary(result)} in {seconds:.2f} s")
    for finding in result.findings:
        click.echo(finding.describe(str(path)))
    if result.ok:
        click.echo(
            f"  OK: complete, monotone towards care, no dead parts, {len(ruleset.cases)} cases "
            "pass, no diagnosis"
        )
    stale = _stale_approvals(ruleset) if approvals else []
    for finding in stale:
        click.echo(finding.describe(str(path)))
    return len(result.findings) + len(stale) + _check_readability(path, ruleset)


def _translation_directories() -> list[Path]:
    """Screener's catalogs and those of SCREENER_TRANSLATIONS (none when it is unusable:
    its error is for the commands that use it)."""
    from screener.catalogs import catalog_directories

    try:
        extra = from_environ(os.environ).get("TRANSLATIONS", [])
    except ConfigError:
        extra = []
    return catalog_directories(extra)


def _stale_approvals(ruleset: Ruleset) -> list[verify.Finding]:
    """The approvals in the file given for other content than it has now."""
    from screener.catalogs import stale_approvals

    return stale_approvals(ruleset, _translation_directories())


def readability_results(ruleset: Ruleset) -> list[Readability]:
    """How readable the texts are, in the file's language and in each translation that
    has limits: what `screener check` (and `screener preview`) measure."""
    from screener import readability
    from screener.catalogs import catalog_directories, found_codes, load_catalog, untranslated

    results = [readability.measure(ruleset)]
    try:
        extra = from_environ(os.environ).get("TRANSLATIONS", [])
    except ConfigError:
        extra = []  # the configuration's own error is for the commands that use it
    directories = catalog_directories(extra)
    own = readability.limits_for(ruleset.language)
    for code in sorted(found_codes(directories)):
        limits = readability.limits_for(code)
        if limits is not None and limits != own:
            catalog = load_catalog(directories, code)
            missing = set(untranslated(catalog, [t.text for t in ruleset.texts()]))
            results.append(readability.measure_translation(ruleset, code, catalog.gettext, missing))
    return [r for r in results if r is not None and (r.sentences or not r.untranslated)]


def _check_readability(path: Path, ruleset: Ruleset) -> int:
    """Print how readable the texts are, in the file's language and in each translation
    that has limits, and return how many findings fail the check (the enforced ones)."""
    from screener import readability

    failures = 0
    for result in readability_results(ruleset):
        click.echo(f"  {readability.summary(result)}")
        for finding in result.failures:
            click.echo(finding.describe(str(path)))
        failures += len(result.failures)
    return failures


@main.command()
@click.option("--rules", type=click.Path(path_type=Path), help="Rules file (default: configured).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md"]),
    default=None,
    help="html (one self-contained page that prints well) or md. Default: from -o, else html.",
)
@_output_option("Write the report here (default: standard output).")
@click.option(
    "--since",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="An earlier version of the rules file: the report also shows what changes from it.",
)
def report(rules: Path | None, fmt: str | None, output: Path | None, since: Path | None) -> None:
    """Render the review report a clinical safety officer signs off.

    It holds the ruleset's id, version, sha256 and review status, every
    question, every rule in plain words with its reason and source, the
    outcome texts, the cases, the verification summary, and each
    translation's review status with its texts beside the originals. With
    --since, it also holds what `screener diff` shows. Exits 1 when
    verification has findings (the report still lists them).
    """
    from screener.diff import diff
    from screener.report import render

    ruleset = _load(rules or _configured_rules())
    changes = diff(_load(since), ruleset) if since is not None else None
    started = time.perf_counter()
    result = verify.verify(ruleset)
    seconds = time.perf_counter() - started
    chosen = fmt or ("md" if output is not None and output.suffix.lower() == ".md" else "html")
    try:
        extra = from_environ(os.environ).get("TRANSLATIONS", [])
    except ConfigError as e:
        _fail_settings(e)
    text = render(
        ruleset,
        result,
        fmt=chosen,
        seconds=seconds,
        translation_directories=extra,
        since=changes,
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {verify.summary(result)}", err=True)
    sys.exit(0 if result.ok else EXIT_PROBLEMS)


@main.command()
@click.argument("rules", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--by", "by", required=True, help="The name of the clinician who approves it.")
@click.option(
    "--role",
    required=True,
    help='Their role, which the pages show: "Reviewed by ROLE on DATE".',
)
@click.option("--note", default=None, help="Anything they want recorded with the approval.")
@click.option(
    "--lang",
    default=None,
    help="Approve this language's translation (a tag such as es) instead of the rules.",
)
@click.option(
    "--fingerprint",
    "expected",
    default=None,
    help="The fingerprint the report they reviewed printed (at least its first 12 "
    "characters): nothing is approved unless the file still has it.",
)
def approve(
    rules: Path, by: str, role: str, note: str | None, lang: str | None, expected: str | None
) -> None:
    """Record a clinician's approval of RULES (or, with --lang, of its translation into
    that language) in the file itself.

    The approval names who approved it, their role, today's date (UTC) and the
    fingerprint of what they reviewed: everything people read or the engine uses,
    and for a translation that language's texts too. It goes in the file's review
    block (or translations.LANG), whose status becomes approved; only those lines
    change, and every comment stays. An approval holds until what it covers changes:
    then `screener check` reports it as stale and the pages say draft again.
    Approvals of earlier content are removed (the file's history keeps them).

    With --fingerprint, approves only when the file still has the fingerprint of the
    report the clinician read; without it, prints the fingerprint approved, to compare.

    Refuses a file that does not pass `screener check`, or whose fingerprint is not
    --fingerprint (exit 1). Exits 2 on a missing file, a blank --by or --role, a
    --fingerprint shorter than 12 characters, or a language with no translation.
    """
    from datetime import UTC, datetime

    from screener.approvals import Approval, RecordError, record

    given = {"--by": by, "--role": role, "--note": note}
    for option, value in given.items():
        if value is None:
            continue
        if not value.strip():
            _fail(f"{option} must not be blank", EXIT_BAD_INPUT)
        if not value.isprintable():
            _fail(f"{option} must be one line of text", EXIT_BAD_INPUT)
        if option != "--note" and len(value.strip()) > 200:
            _fail(f"{option} must be at most 200 characters", EXIT_BAD_INPUT)
    if not rules.is_file():
        _fail(f"{rules}: no such file", EXIT_BAD_INPUT)
    try:
        before = load_ruleset(rules)
    except RulesetError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        _fail(f"{rules} does not pass screener check; nothing is approved")
    code = _approved_language(before, lang) if lang is not None else None
    if _check_one(rules, approvals=False):
        _fail(f"{rules} does not pass screener check; nothing is approved")
    if expected is not None:
        expected = expected.strip().lower()
        if len(expected) < 12 or not all(c in "0123456789abcdef" for c in expected):
            _fail("--fingerprint must be at least 12 hex digits, as the report prints it", 2)
    fingerprint = before.fingerprint if code is None else _translation_fingerprint(before, code)
    if expected is not None and not fingerprint.startswith(expected):
        _fail(
            f"{rules} has changed since the report that was reviewed: its fingerprint is "
            f"{fingerprint[:12]}, not {expected[:12]}; nothing is approved. "
            "Make the report again and review what changed"
        )
    approval = Approval(
        by.strip(),
        role.strip(),
        datetime.now(UTC).date().isoformat(),
        fingerprint,
        note.strip() if note else None,
    )
    with open(rules, encoding="utf-8", newline="") as f:
        text = f.read()
    try:
        changed = record(text, approval, code)
    except RecordError as e:
        _fail(f"{rules}: cannot record the approval: {e}; nothing is written")
    _confirm(rules, before, changed, approval, code)
    with open(rules, "w", encoding="utf-8", newline="") as f:
        f.write(changed)
    what = "rules" if code is None else f"{code} translation"
    click.echo(
        f"{rules}: recorded the approval of the {what} by {approval.by} ({approval.role}) on "
        f"{approval.date}, fingerprint {approval.short}"
    )
    if expected is None:
        click.echo(
            f"{rules}: check that {approval.short} is the fingerprint on the report they "
            "reviewed (--fingerprint makes approve check it)",
            err=True,
        )
    earlier = before.standing.stale if code is None else _translation_stale(before, code)
    for gone in earlier:
        click.echo(f"  removed the approval of earlier content by {gone.by} on {gone.date}")
    after = _load(rules)
    click.echo(f"  the file's sha256 is now {after.sha256}; name it in the changelog")


def _approved_language(ruleset: Ruleset, lang: str) -> str:
    """The catalog code for --lang, when the file records that translation and its
    catalog translates everything people read; exits 2 (1 when incomplete) otherwise."""
    from screener.catalogs import found_codes, load_catalog, needed_messages, untranslated

    code = lang.strip().replace("-", "_")
    known = found_codes(_translation_directories()) | set(ruleset.translations)
    match = next((c for c in sorted(known) if c.lower() == code.lower()), None)
    if code.lower() == ruleset.language.lower():
        _fail(
            f"--lang {lang}: that is the language the rules file is written in; approve the "
            "rules without --lang",
            EXIT_BAD_INPUT,
        )
    if match is None:
        listed = ", ".join(sorted(known - {ruleset.language})) or "none"
        _fail(f"--lang {lang}: no such translation (the translations: {listed})", EXIT_BAD_INPUT)
    if match not in ruleset.translations:
        _fail(
            f"--lang {lang}: the rules file has no translations entry for {match!r}; add one "
            "(docs/translating.md, step 3) before it is approved",
            EXIT_BAD_INPUT,
        )
    if match not in found_codes(_translation_directories()):
        _fail(f"--lang {lang}: there is no catalog for {match!r}", EXIT_BAD_INPUT)
    needed = sorted(needed_messages(ruleset), key=str)
    missing = untranslated(load_catalog(_translation_directories(), match), needed)
    if missing:
        _fail(
            f"--lang {lang}: {len(missing)} of {len(needed)} messages are not translated "
            f"(the first: {missing[0][:60]!r}); only a complete translation can be approved"
        )
    return match


def _translation_fingerprint(ruleset: Ruleset, code: str) -> str:
    from screener.catalogs import fingerprint, load_catalog

    return fingerprint(load_catalog(_translation_directories(), code), ruleset)


def _translation_stale(ruleset: Ruleset, code: str) -> tuple[Approval, ...]:
    from screener.catalogs import review_standing

    return review_standing(ruleset, code, _translation_fingerprint(ruleset, code)).stale


def _confirm(path: Path, before: Ruleset, text: str, approval: Approval, code: str | None) -> None:
    """Read the edited text back before it is written: it must still be the same rules
    (same fingerprint, the other reviews as they were), now approved by ``approval``."""
    from screener.catalogs import review_standing
    from screener.resources import interface_texts, schema
    from screener.ruleset import parse

    def same(found: Approval | None) -> bool:
        return found == approval  # where it is in the file is no part of it

    try:
        after = parse(
            text.replace("\r\n", "\n"),
            filename=str(path),
            schema=schema(),
            interface=interface_texts(),
        )
    except RulesetError as e:
        problem = e.problems[0]
        _fail(f"{path}: the approval could not be recorded safely ({problem}); nothing is written")
    ok = after.fingerprint == before.fingerprint
    if code is None:
        ok = ok and same(after.approval)
        ok = ok and all(
            review_standing(after, c, _translation_fingerprint(after, c))
            == review_standing(before, c, _translation_fingerprint(before, c))
            for c in before.translations
        )
    else:
        ok = ok and after.standing == before.standing
        now = _translation_fingerprint(after, code)
        ok = ok and same(review_standing(after, code, now).approval)
    if not ok:
        _fail(f"{path}: the approval could not be recorded safely; nothing is written")


@main.command(name="diff")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "json", "html"]),
    default="text",
    show_default=True,
    help="How to show the difference.",
)
@_output_option("Write it here (default: standard output).")
@click.option(
    "--fail-on-lower",
    is_flag=True,
    help="Exit 1 when any answer set gets a lower outcome in NEW than in OLD.",
)
def diff_command(old: Path, new: Path, fmt: str, output: Path | None, fail_on_lower: bool) -> None:
    """Show what changes between two versions of a rules file, for the clinician who signs
    off the change.

    For each pair of outcomes (before -> after), the exact number of answer sets
    that move and the simplest example of each, lowered outcomes first; then the
    questions, rules and outcomes added, removed or changed. Both files must load;
    neither needs to pass its check.
    """
    from screener.diff import as_json, as_text, diff
    from screener.report import render_diff

    found = diff(_load(old), _load(new))
    if fmt == "json":
        text = json.dumps(as_json(found), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "text":
        text = as_text(found)
    else:
        text = render_diff(found, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    sys.exit(EXIT_PROBLEMS if fail_on_lower and found.lowered else 0)


@main.command()
@click.option("--rules", type=click.Path(path_type=Path), help="Rules file (default: configured).")
@click.argument("answers", default="-", type=click.File("r", encoding="utf-8"))
def evaluate(rules: Path | None, answers: Any) -> None:
    """Evaluate ANSWERS (a JSON file, or - for standard input) and print the result as JSON.

    ANSWERS is an object such as {"for_you": "yes", "fever_recent": "no",
    "new_severe_pain": "unsure"}. The scope questions (for_you) must be answered;
    other questions left out count as unanswered, which is the same as
    "unsure". An answer outside the scope prints a result with no outcome
    ("scope": "outside"). {emergency_number} in the texts is filled from
    SCREENER_EMERGENCY_NUMBER, else the number of the rules' region. Exits 2
    on unknown question ids or answer values, or a scope question not answered.
    """
    from babel.support import Translations

    from screener.catalogs import DOMAIN, placeholder_values
    from screener.config import emergency_number_for

    try:
        number = from_environ(os.environ).get("EMERGENCY_NUMBER", "")
    except ConfigError as e:
        _fail_settings(e)
    ruleset = _load(rules or _configured_rules())
    number = number or emergency_number_for(ruleset.language)
    ruleset = ruleset.filled(placeholder_values(number, Translations(domain=DOMAIN)))
    try:
        given = json.load(answers)
    except json.JSONDecodeError as e:
        _fail(f"the answers are not valid JSON: {e}", EXIT_BAD_INPUT)
    except UnicodeDecodeError:
        _fail("the answers are not UTF-8 text", EXIT_BAD_INPUT)
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        _fail(
            "the answers must be a JSON object of question ids to answers, such as "
            '{"for_you": "yes", "fever_recent": "no"}',
            EXIT_BAD_INPUT,
        )
    try:
        screened = engine.screen(ruleset, given)
    except engine.AnswerError as e:
        _fail("; ".join(e.problems), EXIT_BAD_INPUT)
    if isinstance(screened, engine.OutsideScope):
        ignored = sorted(set(given) - {q.id for q in ruleset.scope})
        if ignored:
            click.echo(
                f"screener: the answer to {screened.question.id!r} is outside the screening's "
                "scope, so it has no outcome; ignored the answers to: " + ", ".join(ignored),
                err=True,
            )
        body = engine.outside_json(ruleset, screened)
    else:
        ignored = sorted(set(given) - set(engine.relevant_answers(ruleset, given)))
        if ignored:
            click.echo(
                "screener: ignored answers to questions these answers do not ask: "
                + ", ".join(ignored),
                err=True,
            )
        body = engine.result_json(ruleset, screened)
    click.echo(json.dumps(body, indent=2, ensure_ascii=False))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: one per CPU core).",
)
@click.option(
    "--dev",
    is_flag=True,
    help="Development mode: allow a missing SCREENER_SECRET_KEY (a random key is made; "
    "a key that is set must still be strong).",
)
def serve(host: str, port: int, workers: int | None, dev: bool) -> None:
    """Serve Screener with the production server (Granian).

    Each request is read whole, within 10 seconds, before the app sees it: idle
    or slow clients hold no worker (docs/deploy.md, "The server").

    Refuses to start, with one line per problem on standard error and exit
    status 2, when a SCREENER_* setting cannot be used: among them a missing
    SCREENER_SECRET_KEY (make one with `screener keygen`) or a weak one. Exits 1
    when the rules file has problems or does not pass `screener check`.
    """
    from screener.server import port_in_use, run

    try:
        settings = from_environ(os.environ)
    except ConfigError as e:
        _fail_settings(e)
    if not settings.get("SECRET_KEY") and not dev:
        _fail(
            "SCREENER_SECRET_KEY: not set; make a key with `screener keygen` and set it, "
            'such as: export SCREENER_SECRET_KEY="$(screener keygen)"; or use --dev to try '
            "Screener locally with a throwaway key",
            EXIT_BAD_INPUT,
        )
    overrides: dict[str, Any] = {}
    if dev and not settings.get("PUBLIC_URL"):
        # The FHIR face names things by the public address; locally, this server's own.
        # (Given to the app, not put in os.environ: the workers fork with the app built.)
        local = host if host in ("localhost", "127.0.0.1") else "127.0.0.1"
        overrides["PUBLIC_URL"] = f"http://{local}:{port}"
    if settings.get("METRICS_PORT"):
        try:
            check_metrics_host(settings.get("METRICS_HOST", "127.0.0.1"), settings["METRICS_PORT"])
        except ConfigError as e:
            _fail_settings(e)
        # Before prometheus_client is first imported: the workers' counts then add up.
        directory = tempfile.mkdtemp(prefix="screener-metrics-")
        master = os.getpid()

        def remove_counts() -> None:
            # Workers inherit this hook; only the master, leaving last, may remove the counts.
            if os.getpid() == master:
                shutil.rmtree(directory, ignore_errors=True)

        atexit.register(remove_counts)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    app = _app(overrides, "served")
    ruleset = app.extensions["screener"].ruleset
    if ruleset.approval is None:
        click.echo(
            f"screener: warning: {ruleset.filename} is not approved by a clinical reviewer "
            f"(review status: {ruleset.standing.state}); pages say so",
            err=True,
        )
    proof = verify.verify(ruleset)
    if not proof.ok:
        for finding in proof.findings:
            click.echo(finding.describe(ruleset.filename), err=True)
        _fail("the rules file does not pass screener check; nothing is served")
    if port_in_use(host, port):
        _fail(
            f"port {port} on {host} is already in use (another Screener still running?): "
            "stop it, or choose another port",
            EXIT_BAD_INPUT,
        )
    click.echo(
        f"Screener serving {ruleset.id} {ruleset.version} ({ruleset.short_hash}) "
        f"on http://{host}:{port}/",
        err=True,
    )
    try:
        run(app, host=host, port=port, workers=workers or os.cpu_count() or 1)
    except ConfigError as e:
        _fail_settings(e)


@main.command()
@click.argument("rules", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on, on 127.0.0.1 only.",
)
def preview(rules: Path | None, port: int) -> None:
    """Preview a rules file while you edit it (default: the configured one), at
    http://127.0.0.1:PORT/ and on no other address.

    Serves the app as `serve --dev` does and reloads the rules, and the compiled
    translations, when they are saved: load a page again to see the change. Every
    page shows, in a banner, what `screener check` finds, each with file:line. While
    the saved file cannot be used, the pages show the last version that could, and
    the banner says so. Exits 1 when the file cannot be used at start, 2 on a
    setting Screener cannot use or a port already in use.
    """
    from screener.preview import HOST, Preview
    from screener.server import port_in_use, run

    try:
        settings = from_environ(os.environ)
    except ConfigError as e:
        _fail_settings(e)
    if port_in_use(HOST, port):
        _fail(f"port {port} on {HOST} is in use; choose another with --port", EXIT_BAD_INPUT)
    overrides: dict[str, Any] = {
        # One key for every reload: a token then opens until its rules change.
        "SECRET_KEY": settings.get("SECRET_KEY") or new_secret_key(),
        "METRICS_PORT": None,  # an author's preview publishes no metrics
    }
    if not settings.get("PUBLIC_URL"):
        overrides["PUBLIC_URL"] = f"http://{HOST}:{port}"
    previewing = Preview(rules or _configured_rules(), overrides, settings.get("TRANSLATIONS", []))
    app = previewing.start(_app(previewing.overrides, "previewed"))
    click.echo(f"Screener preview on http://{HOST}:{port}/ (Ctrl+C stops it)", err=True)
    try:
        run(app, host=HOST, port=port, workers=1)
    except ConfigError as e:
        _fail_settings(e)


@main.command()
@click.option(
    "--format",
    "form",
    type=click.Choice(["fhir"]),
    default="fhir",
    show_default=True,
    help="fhir: an R4 Questionnaire with SDC extensions, as GET /api/v1/fhir/Questionnaire.",
)
@click.option(
    "--lang",
    default=None,
    help="Language of the texts (a tag such as es); "
    "the other loaded languages are added as translations. Default: the first offered.",
)
@click.option(
    "--public-url",
    default=None,
    help="The address the questionnaire is served at; its canonical is built from it. "
    "Default: SCREENER_PUBLIC_URL.",
)
@_output_option("Write the document to FILE instead of standard output.")
def export(form: str, lang: str | None, public_url: str | None, output: Path | None) -> None:
    """Write the rules file's questionnaire (SCREENER_RULES, or the default rules) for
    other systems: the same document the server gives, with the same settings.

    Exit 2 when a setting, --lang or --public-url cannot be used.
    """
    from screener import fhir_api, i18n

    overrides: dict[str, Any] = {"SECRET_KEY": new_secret_key()}  # no token is ever made
    if public_url is not None:
        try:
            overrides["PUBLIC_URL"] = public_url_setting(public_url)
        except ConfigError as e:
            _fail(f"--public-url: {e}", EXIT_BAD_INPUT)
    app = _app(overrides, "exported")
    if not app.config["PUBLIC_URL"]:
        _fail(
            "the questionnaire's canonical address needs the public address it is served "
            "at: give --public-url https://... or set SCREENER_PUBLIC_URL",
            EXIT_BAD_INPUT,
        )
    offered = [language.tag for language in app.extensions["screener_languages"].offered]
    if lang is not None and lang not in offered:
        _fail(f"--lang must be one of: {', '.join(offered)}", EXIT_BAD_INPUT)
    with app.test_request_context("/api/v1/fhir/Questionnaire"):
        i18n.choose(lang or offered[0])
        addresses = fhir_api.canonical()
        assert addresses is not None
        document = fhir_api.questionnaire_document(addresses)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@main.command()
def keygen() -> None:
    """Print a new random secret key for SCREENER_SECRET_KEY, and nothing else.

    The key is 32 random bytes (256 bits) as 43 URL-safe base64 characters. Put
    it where the server reads its settings, never in a repository or on a
    command line; for example, in a shell, or in a systemd EnvironmentFile
    only root can read:

    \b
        export SCREENER_SECRET_KEY="$(screener keygen)"
        printf 'SCREENER_SECRET_KEY=%s\\n' "$(screener keygen)" >> /etc/screener/env

    Every instance serving the same people needs the same key. To rotate it,
    set a new one and list the old one in SCREENER_SECRET_KEY_FALLBACKS until
    answers sealed with it have expired.
    """
    click.echo(new_secret_key())
