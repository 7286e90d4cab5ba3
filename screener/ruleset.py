"""Rules files: parse and check one into frozen objects, naming file:line for every problem.

This module is part of Screener's pure core: it reads no files and imports
nothing from Flask. ``screener.resources`` does the reading.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import jsonschema
import yaml

from screener.approvals import APPROVED, Approval, Standing, rules_fingerprint, standing

YES, NO, UNSURE = "yes", "no", "unsure"

# Texts may name settings in braces; the only one is the emergency number.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("emergency_number",)

Path = tuple[str | int, ...]
Test = Callable[[Mapping[str, str]], bool]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rules file, at a line of it."""

    filename: str
    line: int
    message: str

    def __str__(self) -> str:
        """Format as ``file:line: message``, the form editors and CI understand."""
        return f"{self.filename}:{self.line}: {self.message}"


class RulesetError(Exception):
    """A rules file that cannot be used; carries every problem found at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        """Keep the problems, sorted by file and line."""
        self.problems = tuple(sorted(problems, key=lambda p: (p.filename, p.line)))
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- model


class Condition:
    """A test on answers, from the rules file's small condition language."""

    __slots__ = ()

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Whether the condition is true for these answers."""
        raise NotImplementedError

    def questions(self) -> frozenset[str]:
        """The ids of every question the condition looks at."""
        raise NotImplementedError

    def compile(self) -> Test:
        """The condition as a plain function of the answers, for the engine's hot path."""
        raise NotImplementedError

    def doubt(self, full: Mapping[str, str], given: Mapping[str, str]) -> int:
        """How sure the answers that make this (holding) condition hold are: 0 when each
        was given, 1 when one was "not sure", 2 when one was not answered at all
        (``full`` has every asked question, ``given`` only those the person answered)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class AnswerIn(Condition):
    """True when the question was asked and its answer is one of ``values``."""

    question: str
    values: frozenset[str]

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Whether the answer is among the values (a question not asked has no answer)."""
        return answers.get(self.question) in self.values

    def questions(self) -> frozenset[str]:
        """Just this condition's question."""
        return frozenset((self.question,))

    def compile(self) -> Test:
        """``answers.get(question) in values``."""
        question, values = self.question, self.values
        return lambda answers: answers.get(question) in values

    def doubt(self, full: Mapping[str, str], given: Mapping[str, str]) -> int:
        """This question's answer: given, "not sure", or not answered."""
        return _doubt(self.question, full, given)


@dataclass(frozen=True, slots=True)
class AllOf(Condition):
    """True when every part holds."""

    parts: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Short-circuiting and."""
        return all(part.holds(answers) for part in self.parts)

    def questions(self) -> frozenset[str]:
        """The union of the parts' questions."""
        return frozenset().union(*(p.questions() for p in self.parts))

    def compile(self) -> Test:
        """Each part compiled, joined with a short-circuiting and."""
        tests = tuple(p.compile() for p in self.parts)
        if len(tests) == 2:
            first, second = tests
            return lambda answers: first(answers) and second(answers)
        return lambda answers: all(test(answers) for test in tests)

    def doubt(self, full: Mapping[str, str], given: Mapping[str, str]) -> int:
        """The least sure of the parts: every one of them is needed."""
        return max(p.doubt(full, given) for p in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf(Condition):
    """True when at least one part holds."""

    parts: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Short-circuiting or."""
        return any(part.holds(answers) for part in self.parts)

    def questions(self) -> frozenset[str]:
        """The union of the parts' questions."""
        return frozenset().union(*(p.questions() for p in self.parts))

    def compile(self) -> Test:
        """Each part compiled, joined with a short-circuiting or."""
        tests = tuple(p.compile() for p in self.parts)
        if len(tests) == 2:
            first, second = tests
            return lambda answers: first(answers) or second(answers)
        return lambda answers: any(test(answers) for test in tests)

    def doubt(self, full: Mapping[str, str], given: Mapping[str, str]) -> int:
        """The surest of the parts that hold: one of them is enough."""
        return min(p.doubt(full, given) for p in self.parts if p.holds(full))


@dataclass(frozen=True, slots=True)
class Not(Condition):
    """True when the part does not hold."""

    part: Condition

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Negation."""
        return not self.part.holds(answers)

    def questions(self) -> frozenset[str]:
        """The part's questions."""
        return self.part.questions()

    def compile(self) -> Test:
        """The part compiled, negated."""
        test = self.part.compile()
        return lambda answers: not test(answers)

    def doubt(self, full: Mapping[str, str], given: Mapping[str, str]) -> int:
        """The least sure of the answers the part looks at: it holds because they are
        not what the part asks for, which is only as sure as they are."""
        return max((_doubt(q, full, given) for q in self.part.questions() if q in full), default=0)


def _doubt(question: str, full: Mapping[str, str], given: Mapping[str, str]) -> int:
    """0 for an answer given, 1 for "not sure", 2 for an asked question not answered."""
    if question not in given:
        return 2 if question in full else 0
    return 1 if given[question] == UNSURE else 0


@dataclass(frozen=True, slots=True)
class Option:
    """One answer a person can choose."""

    value: str
    label: str


DEFAULT_OPTIONS = (Option(YES, "Yes"), Option(NO, "No"), Option(UNSURE, "Not sure"))


@dataclass(frozen=True, slots=True)
class Question:
    """A question, asked on a page of its own when its ``when`` holds."""

    id: str
    text: str
    hint: str | None
    options: tuple[Option, ...]
    when: Condition | None
    if_unanswered: str
    line: int
    in_scope: frozenset[str] | None = None  # for a scope question: the answers inside scope
    values: tuple[str, ...] = field(init=False, repr=False, compare=False)
    asks: Test | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Keep the answer values, and the compiled ``when``, at hand."""
        object.__setattr__(self, "values", tuple(o.value for o in self.options))
        object.__setattr__(self, "asks", self.when.compile() if self.when else None)

    def label(self, value: str) -> str:
        """The label shown for an answer value."""
        for option in self.options:
            if option.value == value:
                return option.label
        raise KeyError(value)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a person is told; a higher severity points more urgently to care."""

    id: str
    severity: int
    title: str
    body: str
    next_steps_title: str | None
    next_steps: tuple[str, ...]
    line: int
    kiosk: str | None = None  # said first on a clinic's kiosk, where staff are at hand


@dataclass(frozen=True, slots=True)
class Outside:
    """What a person outside the screening's scope is told instead of an outcome."""

    title: str
    body: str
    next_steps: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Source:
    """The guidance a rule implements: the reference article's section and quote, and
    clinical guidance by title and address."""

    section: str | None
    quote: str | None
    note: str | None
    title: str | None = None
    url: str | None = None


TOLD, NOT_SURE, UNANSWERED = "told", "unsure", "unanswered"
BASES = (TOLD, NOT_SURE, UNANSWERED)


@dataclass(frozen=True, slots=True)
class Rule:
    """When ``when`` holds, the rule adds its reason and proposes its outcome."""

    id: str
    when: Condition
    outcome: str
    reason: str  # when the person told us: every answer that made it hold was given
    source: Source
    line: int
    reason_unsure: str | None = None  # when one of those answers was "not sure"
    reason_unanswered: str | None = None  # when one of them was not answered
    test: Test = field(init=False, repr=False, compare=False)
    questions: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compile the condition once, and keep the questions it looks at."""
        object.__setattr__(self, "test", self.when.compile())
        object.__setattr__(self, "questions", tuple(sorted(self.when.questions())))

    def wording(self, basis: str) -> str:
        """The reason for this basis (told, unsure or unanswered); the told one when the
        rule has no wording of its own for it."""
        if basis == UNANSWERED and self.reason_unanswered:
            return self.reason_unanswered
        if basis in (NOT_SURE, UNANSWERED) and self.reason_unsure:
            return self.reason_unsure
        return self.reason


@dataclass(frozen=True, slots=True)
class Case:
    """A worked example the ruleset must get right."""

    id: str
    answers: Mapping[str, str]
    others: str | None
    outcome: str
    line: int
    note: str | None = None
    description: str | None = None  # the person the case stands for, in one line


@dataclass(frozen=True, slots=True)
class Review:
    """The clinical review of the rules: its status, notes, and the clinicians'
    approvals, each naming the fingerprint of the content it was given for (see
    :mod:`screener.approvals`)."""

    status: str
    notes: str | None
    approvals: tuple[Approval, ...] = ()
    line: int = 1


@dataclass(frozen=True, slots=True)
class Translation:
    """Who translated a ruleset's texts into a language, and their clinical review.

    Each approval names the fingerprint of that language's texts and the rules as the
    reviewer read them (``screener report`` prints the current one, and ``screener
    approve --lang`` records it); it holds only while both are unchanged.
    """

    language: str
    status: str
    translator: str | None
    notes: str | None
    approvals: tuple[Approval, ...] = ()
    line: int = 1


@dataclass(frozen=True, slots=True)
class Text:
    """One text of a ruleset that people read, where it is, and what it is for."""

    text: str
    line: int
    role: str
    question: str | None = None  # the question it belongs to: its text, hint or an answer


@dataclass(frozen=True)
class Ruleset:
    """A checked rules file; build it with :func:`parse`."""

    id: str
    version: str
    title: str
    description: str | None
    review: Review | None
    questions: tuple[Question, ...]
    outcomes: tuple[Outcome, ...]
    rules: tuple[Rule, ...]
    cases: tuple[Case, ...]
    sha256: str
    filename: str
    language: str = "en"
    translations: Mapping[str, Translation] = field(default_factory=dict)
    scope: tuple[Question, ...] = ()  # asked first; outside them, no outcome is given
    outside: Outside | None = None
    emergency: str | None = None  # what to do in an emergency, said on every page
    emergency_line: int = 1
    # The sha256 of what people read and the engine uses; what a clinician approves.
    fingerprint: str = ""
    question_by_id: Mapping[str, Question] = field(init=False, repr=False, compare=False)
    outcome_by_id: Mapping[str, Outcome] = field(init=False, repr=False, compare=False)
    lowest: Outcome = field(init=False, repr=False, compare=False)
    by_severity: tuple[tuple[Rule, Outcome], ...] = field(init=False, repr=False, compare=False)
    # For each question in the flow: the questions a later question's `when` looks at.
    looked_at_later: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index questions and outcomes by id; find the outcome that applies when no rule holds."""
        object.__setattr__(self, "question_by_id", {q.id: q for q in self.flow})
        object.__setattr__(self, "outcome_by_id", {o.id: o for o in self.outcomes})
        object.__setattr__(self, "lowest", min(self.outcomes, key=lambda o: o.severity))
        ranked = sorted(self.rules, key=lambda r: -self.outcome_by_id[r.outcome].severity)
        object.__setattr__(
            self, "by_severity", tuple((r, self.outcome_by_id[r.outcome]) for r in ranked)
        )
        later: list[frozenset[str]] = []
        seen: frozenset[str] = frozenset()
        for question in reversed(self.flow):
            later.append(seen)
            if question.when is not None:
                seen |= question.when.questions()
        object.__setattr__(self, "looked_at_later", tuple(reversed(later)))

    @property
    def flow(self) -> tuple[Question, ...]:
        """Every question in the order a person meets them: scope first, then the screening."""
        return self.scope + self.questions

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the file's sha256, enough to tell versions apart."""
        return self.sha256[:12]

    @property
    def standing(self) -> Standing:
        """Where the rules' clinical review stands: approved only while an approval
        names the rules' fingerprint as it is now."""
        review = self.review
        if review is None:
            return standing(None, (), self.fingerprint)
        return standing(review.status, review.approvals, self.fingerprint)

    @property
    def approval(self) -> Approval | None:
        """The clinician's approval that holds for these rules as they are, if any."""
        return self.standing.approval

    def texts(self) -> Iterator[Text]:
        """Every text shown to people, in file order: what translators translate.

        Source quotes, notes, case notes and the review block are for authors and
        reviewers, and stay in the rules file's own language.
        """
        yield Text(self.title, 1, "title")
        if self.emergency:
            yield Text(self.emergency, self.emergency_line, "emergency message")
        for q in self.flow:
            yield Text(q.text, q.line, f"{q.id}: question", q.id)
            if q.hint:
                yield Text(q.hint, q.line, f"{q.id}: hint", q.id)
            for option in q.options:
                yield Text(option.label, q.line, f"{q.id}: answer {option.value!r}", q.id)
        if self.outside:
            yield Text(self.outside.title, self.outside.line, "outside scope: title")
            yield Text(self.outside.body, self.outside.line, "outside scope: text")
            for n, step in enumerate(self.outside.next_steps, 1):
                yield Text(step, self.outside.line, f"outside scope: next step {n}")
        for o in self.outcomes:
            yield Text(o.title, o.line, f"{o.id}: outcome title")
            yield Text(o.body, o.line, f"{o.id}: outcome text")
            if o.kiosk:
                yield Text(o.kiosk, o.line, f"{o.id}: on a kiosk")
            if o.next_steps_title:
                yield Text(o.next_steps_title, o.line, f"{o.id}: heading of the next steps")
            for n, step in enumerate(o.next_steps, 1):
                yield Text(step, o.line, f"{o.id}: next step {n}")
        for r in self.rules:
            yield Text(r.reason, r.line, f"{r.id}: reason")
            if r.reason_unsure:
                yield Text(r.reason_unsure, r.line, f"{r.id}: reason when not sure")
            if r.reason_unanswered:
                yield Text(r.reason_unanswered, r.line, f"{r.id}: reason when not answered")

    def translated(self, language: str, translate: Callable[[str], str]) -> Ruleset:
        """The same ruleset with every text in :meth:`texts` passed through ``translate``.

        Ids, answer values, conditions and the hash are unchanged, so every answer
        gives the same outcome in every language.
        """
        t = translate

        def maybe(text: str | None) -> str | None:
            """An optional text, translated when there is one."""
            return t(text) if text else None

        def question(q: Question) -> Question:
            """The question with its texts translated."""
            return replace(
                q,
                text=t(q.text),
                hint=maybe(q.hint),
                options=tuple(Option(o.value, t(o.label)) for o in q.options),
            )

        outcomes = tuple(
            replace(
                o,
                title=t(o.title),
                body=t(o.body),
                next_steps_title=maybe(o.next_steps_title),
                next_steps=tuple(t(step) for step in o.next_steps),
                kiosk=maybe(o.kiosk),
            )
            for o in self.outcomes
        )
        rules = tuple(
            replace(
                r,
                reason=t(r.reason),
                reason_unsure=maybe(r.reason_unsure),
                reason_unanswered=maybe(r.reason_unanswered),
            )
            for r in self.rules
        )
        outside = self.outside and replace(
            self.outside,
            title=t(self.outside.title),
            body=t(self.outside.body),
            next_steps=tuple(t(step) for step in self.outside.next_steps),
        )
        return replace(
            self,
            title=t(self.title),
            questions=tuple(question(q) for q in self.questions),
            scope=tuple(question(q) for q in self.scope),
            outside=outside,
            emergency=maybe(self.emergency),
            outcomes=outcomes,
            rules=rules,
            language=language,
        )

    def filled(self, values: Mapping[str, str]) -> Ruleset:
        """The same ruleset with each ``{name}`` placeholder in its texts replaced by
        ``values[name]`` (the emergency number, which is a setting)."""

        def fill(text: str) -> str:
            """The text with each known placeholder replaced."""
            return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

        return self.translated(self.language, fill)


# --------------------------------------------------------------------------- YAML with lines


class _Loader(yaml.SafeLoader):
    """Safe YAML in which ``yes``, ``no`` and dates stay text; only true/false are booleans."""


_TEXT_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _TEXT_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """Plain data from YAML read the way rules files are (``yes``/``no`` and dates stay text)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def _read_yaml(text: str, filename: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse YAML into plain data plus the line where every path starts."""
    loader = _Loader(text)
    lines: dict[Path, int] = {(): 1}
    problems: list[Problem] = []

    def problem(node: yaml.Node, message: str) -> None:
        problems.append(Problem(filename, node.start_mark.line + 1, message))

    def scalar(node: yaml.Node) -> Any:
        try:
            return loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as e:
            problem(node, f"not valid YAML: {e.problem}")
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as e:
            problem(node, f"not a valid value: {e}")
        return None

    seen: set[int] = set()

    def build(node: yaml.Node, path: Path) -> Any:
        # An alias (*name) is the node of its anchor again. Rules files have no
        # use for them, and refusing them keeps a file from being made recursive
        # or exponentially large.
        if id(node) in seen:
            problem(node, "anchors and aliases (&name, *name) are not allowed in rules files")
            return None
        seen.add(id(node))
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str | int) or isinstance(key, bool):
                    problem(key_node, "keys must be plain text")
                    continue
                key = str(key)
                if key in out:
                    first = lines[(*path, key)]
                    problem(key_node, f"duplicate key {key!r} (first on line {first})")
                    continue
                lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*path, i)) for i, item in enumerate(node.value)]
        return scalar(node)

    try:
        aliases = [
            Problem(
                filename,
                event.start_mark.line + 1 if event.start_mark else 1,
                "aliases (*name) are not allowed in rules files: write the value out",
            )
            for event in yaml.parse(text, Loader=_Loader)
            if isinstance(event, yaml.AliasEvent)
        ]
        if aliases:
            return None, lines, aliases
        root = loader.get_single_node()
        if root is None:
            return None, lines, [Problem(filename, 1, "the file is empty")]
        return build(root, ()), lines, problems
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(s for s in (e.context, e.problem) if s)
        return (
            None,
            lines,
            [Problem(filename, mark.line + 1 if mark else 1, f"not valid YAML: {what}")],
        )
    except yaml.YAMLError as e:
        return None, lines, [Problem(filename, 1, f"not valid YAML: {e}")]
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- checking


_ID_PATTERN = "^[a-z][a-z0-9_]*$"
_LINE_PATTERN = "^[^\\n\\r]*\\S[^\\n\\r]*$"  # a name or a role: one line, not blank
_SINGULAR = {"questions": "question", "outcomes": "outcome", "rules": "rule", "cases": "case"}
_CONDITION_BRANCHES = ("is", "in", "all", "any", "not")
# How sign-offs were recorded before approvals named a fingerprint of their own.
_SIGN_OFF_KEYS = ("reviewer", "date", "reviewed_sha256")


class _Checker:
    """Collects problems with their lines while a rules file is checked."""

    def __init__(self, filename: str, data: Any, lines: Mapping[Path, int]) -> None:
        self.filename = filename
        self.data = data
        self.lines = lines
        self.problems: list[Problem] = []
        self._reported: set[tuple[Path, str]] = set()
        self._scope_ids: set[str] = set()

    def line(self, path: Path) -> int:
        """The line of the nearest enclosing path that has one."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def where(self, path: Path) -> str:
        """A reader's name for a path: ``rule 'fever' when.any[1]``."""
        if not path:
            return "top level"
        head, rest = path[0], list(path[1:])
        name = str(head)
        items = self.data.get(head) if isinstance(self.data, dict) else None
        if head == "scope" and rest[:1] == ["questions"] and len(rest) > 1:
            # A scope question is named like any question: by its id.
            scope = self.data.get("scope") if isinstance(self.data, dict) else None
            items = scope.get("questions") if isinstance(scope, dict) else None
            head, rest = "questions", rest[1:]
            name = "scope question"
        if head in _SINGULAR and rest and isinstance(rest[0], int) and isinstance(items, list):
            index = rest.pop(0)
            assert isinstance(index, int)
            item = items[index] if index < len(items) else None
            ident = item.get("id") if isinstance(item, dict) else None
            kind = "scope question" if name == "scope question" else _SINGULAR[str(head)]
            where = "scope questions" if kind == "scope question" else str(head)
            name = f"{kind} {ident!r}" if isinstance(ident, str) else f"{where}[{index}]"
        tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
        return f"{name} {tail.lstrip('.')}".rstrip()

    def add(self, path: Path, message: str) -> None:
        """Record a problem at a path."""
        self.problems.append(
            Problem(self.filename, self.line(path), f"{self.where(path)}: {message}")
        )

    # ----------------------------------------------------------------- schema

    def check_schema(self, schema: Mapping[str, Any]) -> None:
        """Report every schema violation in plain words."""
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(self.data):
            for leaf in _leaf_errors(error):
                self._schema_problem(leaf)

    def _schema_problem(self, error: jsonschema.ValidationError) -> None:
        path: Path = tuple(error.absolute_path)
        kind, instance = error.validator, error.instance
        value: Any = error.validator_value
        schema: Any = error.schema if isinstance(error.schema, dict) else {}
        if kind == "required":
            # jsonschema reports each missing key on its own; say them once per place.
            missing = [k for k in value if isinstance(instance, dict) and k not in instance]
            if missing and (path, "required") not in self._reported:
                self._reported.add((path, "required"))
                keys = ", ".join(repr(k) for k in missing)
                self.add(path, f"missing required key{'s' if len(missing) > 1 else ''} {keys}")
        elif kind == "additionalProperties" and isinstance(instance, dict):
            allowed = sorted(schema.get("properties", {}))
            for key in sorted(k for k in instance if k not in allowed):
                if key in _SIGN_OFF_KEYS and path[:1] in (("review",), ("translations",)):
                    self.add(
                        (*path, key),
                        f"{key!r} is no longer used: a clinician's sign-off is an approval "
                        "(by, role, date and the fingerprint of what they reviewed), "
                        "recorded with `screener approve`; remove it",
                    )
                    continue
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.add(
                    (*path, key),
                    f"unknown key {key!r}{suggestion}; allowed here: {', '.join(allowed)}",
                )
        elif kind == "type":
            wanted = {
                "string": "text",
                "object": "a mapping",
                "array": "a list",
                "integer": "a whole number",
            }.get(str(value), str(value))
            extra = " (put it in quotes)" if value == "string" and instance is not None else ""
            self.add(path, f"must be {wanted}, not {_shown(instance)}{extra}")
        elif kind == "enum":
            self.add(path, f"must be one of {', '.join(map(str, value))}, not {_shown(instance)}")
        elif kind == "pattern" and value == _ID_PATTERN:
            self.add(
                path,
                f"{_shown(instance)} is not a valid id: use lower-case letters, digits "
                "and _, starting with a letter",
            )
        elif kind == "pattern" and value == _LINE_PATTERN:
            self.add(path, "must be one line of text, not blank")
        elif kind == "pattern" and path == ("version",):
            self.add(path, f"{_shown(instance)} is not a version number such as '1.2.0'")
        elif kind == "pattern":
            self.add(path, f"{_shown(instance)} does not have the expected form ({value})")
        elif kind == "minItems":
            self.add(path, f"must have at least {value} item{'s' if value != 1 else ''}")
        elif kind == "minLength":
            self.add(path, "must not be empty")
        elif kind == "uniqueItems":
            self.add(path, "lists the same value more than once")
        elif kind == "minimum":
            self.add(path, f"must be at least {value}")
        elif kind == "oneOf" and path and path[-1] == "reason":
            self.add(
                path,
                "must be text, or a mapping with told, unsure and unanswered texts, "
                f"not {_shown(instance)}",
            )
        elif kind == "oneOf":
            self.add(path, _condition_shape_message(instance))
        elif kind == "anyOf" and path and path[-1] == "source":
            self.add(
                path,
                "needs the reference article's section, or a clinical source's title and url",
            )
        elif kind == "dependentRequired":
            self.add(path, "a clinical source needs both a title and a url")
        else:
            self.add(path, error.message)

    # ----------------------------------------------------------------- meaning

    def check_meaning(self) -> None:
        """Check what the schema cannot: ids, references, order of questions, cases."""
        data = self.data if isinstance(self.data, dict) else {}
        questions = _items(data.get("questions"))
        outcomes = _items(data.get("outcomes"))
        rules = _items(data.get("rules"))
        cases = _items(data.get("cases"))

        for section in ("questions", "outcomes", "rules", "cases"):
            self._unique_ids(section)

        source = data.get("language", "en")
        translations = data.get("translations")
        if isinstance(translations, dict):
            if source in translations:
                self.add(
                    ("translations", source),
                    f"{source!r} is the language the file is written in, not a translation",
                )
            for code, entry in translations.items():
                self._approvals(entry, ("translations", code), f"--lang {code} ")
        self._approvals(data.get("review"), ("review",), "")

        raw_scope = data.get("scope")
        scope: dict[str, Any] = raw_scope if isinstance(raw_scope, dict) else {}
        scope_ids: set[str] = set()
        known: set[str] = {q["id"] for _, q in questions if isinstance(q.get("id"), str)}
        for i, q in _items(scope.get("questions")):
            qid = q.get("id")
            if not isinstance(qid, str):
                continue
            where_scope: Path = ("scope", "questions", i, "id")
            if qid in known or qid in scope_ids:
                self.add(where_scope, f"duplicate question id {qid!r}")
            scope_ids.add(qid)
            values = _option_values(q)
            for j, value in enumerate(q.get("in_scope") or []):
                if isinstance(value, str) and value not in values:
                    self.add(
                        ("scope", "questions", i, "in_scope", j),
                        f"{value!r} is not one of the answers {_listed(values)}",
                    )
        self._scope_ids = scope_ids

        options: dict[str, tuple[str, ...]] = {}
        position: dict[str, int] = {}
        for i, q in questions:
            qid = q.get("id")
            if not isinstance(qid, str) or qid in options:
                continue
            values = _option_values(q)
            options[qid] = values
            position[qid] = i
            seen: set[str] = set()
            for j, value in enumerate(values):
                if value in seen:
                    self.add(
                        ("questions", i, "options", j, "value"), f"repeats the answer {value!r}"
                    )
                seen.add(value)
            unanswered = q.get("if_unanswered", UNSURE)
            if isinstance(unanswered, str) and unanswered not in values:
                where: Path = ("questions", i, "if_unanswered")
                if "if_unanswered" not in q:
                    where = ("questions", i, "options")
                    self.add(
                        where,
                        f"has no {UNSURE!r} answer, so set if_unanswered to the answer "
                        "that applies when the question is not answered",
                    )
                else:
                    self.add(where, f"{unanswered!r} is not one of the answers {_listed(values)}")

        severities: dict[int, str] = {}
        outcome_ids: list[str] = []
        for i, o in outcomes:
            oid, severity = o.get("id"), o.get("severity")
            if isinstance(oid, str):
                outcome_ids.append(oid)
            if isinstance(severity, int) and not isinstance(severity, bool):
                if severity in severities:
                    self.add(
                        ("outcomes", i, "severity"),
                        f"severity {severity} is already outcome {severities[severity]!r}'s; "
                        "each outcome needs its own so the most severe is clear",
                    )
                else:
                    severities[severity] = str(oid)

        self._question_conditions(questions, options, position)

        for i, r in rules:
            if isinstance(r.get("when"), dict):
                self._condition(r["when"], ("rules", i, "when"), options)
            outcome = r.get("outcome")
            if isinstance(outcome, str) and outcome not in outcome_ids:
                self.add(("rules", i, "outcome"), _unknown("outcome", outcome, outcome_ids))

        for i, c in cases:
            self._case(i, c, options, outcome_ids)

    def _approvals(self, entry: Any, path: Path, option: str) -> None:
        """An approved review names at least one approval, and each approval's date is
        a real date."""
        if not isinstance(entry, dict):
            return
        approvals = entry.get("approvals")
        listed = approvals if isinstance(approvals, list) else []
        if entry.get("status") == APPROVED and not listed:
            self.add(
                (*path, "status"),
                "approved, but no approval is recorded: a clinician's approval is "
                f"recorded with `screener approve FILE {option}--by NAME --role ROLE`, "
                "which names the fingerprint of what they reviewed",
            )
        for i, approval in enumerate(listed):
            day = approval.get("date") if isinstance(approval, dict) else None
            if isinstance(day, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
                try:
                    datetime.date.fromisoformat(day)
                except ValueError:
                    self.add((*path, "approvals", i, "date"), f"{day!r} is not a date")

    def _unique_ids(self, section: str) -> None:
        first: dict[str, int] = {}
        items = self.data.get(section) if isinstance(self.data, dict) else None
        for i, item in _items(items):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                self.add(
                    (section, i, "id"),
                    f"duplicate {_SINGULAR[section]} id {ident!r} "
                    f"(first on line {self.line((section, first[ident], 'id'))})",
                )
            else:
                first[ident] = i

    def _condition(
        self, cond: Any, path: Path, options: Mapping[str, tuple[str, ...]]
    ) -> set[tuple[str, Path]]:
        """Check references in a condition; return the (question, path) pairs it names."""
        named: set[tuple[str, Path]] = set()
        if not isinstance(cond, dict):
            return named
        for key in ("all", "any"):
            for j, part in (
                enumerate(cond.get(key) or []) if isinstance(cond.get(key), list) else []
            ):
                named |= self._condition(part, (*path, key, j), options)
        if "not" in cond:
            named |= self._condition(cond["not"], (*path, "not"), options)
        qid = cond.get("question")
        if isinstance(qid, str):
            named.add((qid, (*path, "question")))
            if qid in self._scope_ids:
                self.add(
                    (*path, "question"),
                    f"{qid!r} is a scope question: it decides who the screening is for, "
                    "so rules and follow-ups cannot look at it",
                )
            elif qid not in options:
                self.add((*path, "question"), _unknown("question", qid, list(options)))
            else:
                wanted = cond.get("in") if "in" in cond else [cond.get("is")]
                for j, value in enumerate(wanted if isinstance(wanted, list) else []):
                    if isinstance(value, str) and value not in options[qid]:
                        where = (*path, "in", j) if "in" in cond else (*path, "is")
                        self.add(
                            where,
                            f"question {qid!r} has no answer {value!r}; "
                            f"its answers are {_listed(options[qid])}",
                        )
        return named

    def _question_conditions(
        self,
        questions: Iterable[tuple[int, dict[str, Any]]],
        options: Mapping[str, tuple[str, ...]],
        position: Mapping[str, int],
    ) -> None:
        """A follow-up may only depend on questions asked before it, and never in a cycle."""
        depends: dict[str, list[tuple[str, Path]]] = {}
        for i, q in questions:
            qid = q.get("id")
            if not isinstance(qid, str) or position.get(qid) != i or "when" not in q:
                continue
            depends[qid] = sorted(self._condition(q["when"], ("questions", i, "when"), options))
        in_cycle: set[str] = set()
        for start in depends:
            cycle = _find_cycle(start, depends)
            if cycle and not in_cycle & set(cycle):
                in_cycle |= set(cycle)
                first_ref = next(p for other, p in depends[cycle[0]] if other == cycle[1])
                self.add(first_ref, f"asks in a cycle: {' → '.join(cycle)}")
        for qid, refs in depends.items():
            if qid in in_cycle:
                continue
            for other, path in refs:
                if other in position and position[other] >= position[qid]:
                    self.add(
                        path,
                        f"depends on {other!r}, which is asked later; move {other!r} "
                        f"before {qid!r}",
                    )

    def _case(
        self,
        i: int,
        case: Mapping[str, Any],
        options: Mapping[str, tuple[str, ...]],
        outcome_ids: Sequence[str],
    ) -> None:
        answers = case.get("answers")
        if isinstance(answers, dict):
            for qid, value in answers.items():
                path: Path = ("cases", i, "answers", qid)
                if qid not in options:
                    self.add(path, _unknown("question", qid, list(options)))
                elif isinstance(value, str) and value not in options[qid]:
                    self.add(
                        path,
                        f"question {qid!r} has no answer {value!r}; its answers are "
                        f"{_listed(options[qid])}",
                    )
        others = case.get("others")
        if isinstance(others, str):
            listed = answers if isinstance(answers, dict) else {}
            lacking = [q for q, vals in options.items() if others not in vals and q not in listed]
            if lacking:
                self.add(
                    ("cases", i, "others"),
                    f"{others!r} is not an answer to {_listed(lacking)}; list those in answers",
                )
        outcome = case.get("outcome")
        if isinstance(outcome, str) and outcome not in outcome_ids:
            self.add(("cases", i, "outcome"), _unknown("outcome", outcome, outcome_ids))


def _leaf_errors(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """Descend into a condition's oneOf to the branch its keys choose (and into a reason's
    mapping form, when it is a mapping)."""
    if error.validator != "oneOf" or not isinstance(error.instance, dict):
        yield error
        return
    if error.absolute_path and error.absolute_path[-1] == "reason":
        for sub in error.context or ():
            if sub.relative_schema_path[0] == 1:
                yield from _leaf_errors(sub)
        return
    keys = [k for k in _CONDITION_BRANCHES if k in error.instance]
    if len(keys) != 1 or set(error.instance) - {"question", *keys}:
        yield error
        return
    branch = _CONDITION_BRANCHES.index(keys[0])
    chosen = [e for e in error.context or () if e.relative_schema_path[0] == branch]
    if not chosen:
        yield error
        return
    for sub in chosen:
        yield from _leaf_errors(sub)


def _condition_shape_message(instance: Any) -> str:
    """Say what is wrong with the shape of a condition."""
    form = (
        "use {question: ID, is: VALUE}, {question: ID, in: [VALUES]}, {all: [...]}, "
        "{any: [...]} or {not: ...}"
    )
    if not isinstance(instance, dict):
        return f"a condition must be a mapping: {form}"
    unknown = sorted(set(instance) - {"question", *_CONDITION_BRANCHES})
    if unknown:
        hint = difflib.get_close_matches(unknown[0], ["question", *_CONDITION_BRANCHES], n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"unknown key {unknown[0]!r} in condition{suggestion}; {form}"
    keys = [k for k in _CONDITION_BRANCHES if k in instance]
    if "question" in instance and not {"is", "in"} & set(keys):
        return f"a condition on a question needs 'is: VALUE' or 'in: [VALUES]'; {form}"
    if {"is", "in"} <= set(keys):
        return "use either 'is' or 'in' in one condition, not both"
    if {"is", "in"} & set(keys) and "question" not in instance:
        return f"'is' and 'in' need the question they test: {form}"
    if len(keys) != 1:
        return f"a condition has exactly one of question, all, any or not; {form}"
    return f"not a valid condition: {form}"


def _find_cycle(start: str, depends: Mapping[str, Sequence[tuple[str, Path]]]) -> list[str] | None:
    """The first dependency cycle through ``start``, as a list of ids ending where it began."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for other, _ in depends.get(node, ()):
            if other == start:
                return [*trail, start]
            if other not in seen:
                seen.add(other)
                stack.append((other, [*trail, other]))
    return None


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings in a list, with their indexes; anything malformed is skipped."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _option_values(question: Mapping[str, Any]) -> tuple[str, ...]:
    opts = question.get("options")
    if not isinstance(opts, list):
        return tuple(o.value for o in DEFAULT_OPTIONS)
    return tuple(
        o["value"] for o in opts if isinstance(o, dict) and isinstance(o.get("value"), str)
    )


def _unknown(kind: str, name: str, known: Sequence[str]) -> str:
    hint = difflib.get_close_matches(name, known, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"no {kind} has the id {name!r}{suggestion}"


def _listed(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- building


def _build_condition(raw: Mapping[str, Any]) -> Condition:
    if "all" in raw:
        return AllOf(tuple(_build_condition(p) for p in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_build_condition(p) for p in raw["any"]))
    if "not" in raw:
        return Not(_build_condition(raw["not"]))
    values = raw["in"] if "in" in raw else [raw["is"]]
    return AnswerIn(raw["question"], frozenset(values))


def _build(
    data: Mapping[str, Any],
    lines: Mapping[Path, int],
    sha: str,
    filename: str,
    interface: Sequence[str] = (),
) -> Ruleset:
    def line(*path: str | int) -> int:
        return lines.get(tuple(path), 1)

    def question(q: Mapping[str, Any], where: Path) -> Question:
        """A question (or scope question) from its checked mapping."""
        return Question(
            id=q["id"],
            text=q["text"],
            hint=q.get("hint"),
            options=tuple(Option(o["value"], o["label"]) for o in q["options"])
            if "options" in q
            else DEFAULT_OPTIONS,
            when=_build_condition(q["when"]) if "when" in q else None,
            if_unanswered=q.get("if_unanswered", UNSURE),
            line=line(*where),
            in_scope=frozenset(q["in_scope"]) if "in_scope" in q else None,
        )

    questions = tuple(question(q, ("questions", i)) for i, q in enumerate(data["questions"]))
    raw_scope = data.get("scope") or {}
    scope = tuple(
        question(q, ("scope", "questions", i)) for i, q in enumerate(raw_scope.get("questions", ()))
    )
    outside = (
        Outside(
            raw_scope["outside"]["title"],
            raw_scope["outside"]["body"],
            tuple(raw_scope["outside"].get("next_steps", ())),
            line("scope", "outside"),
        )
        if raw_scope
        else None
    )
    outcomes = tuple(
        sorted(
            (
                Outcome(
                    id=o["id"],
                    severity=o["severity"],
                    title=o["title"],
                    body=o["body"],
                    next_steps_title=o.get("next_steps_title"),
                    next_steps=tuple(o.get("next_steps", ())),
                    line=line("outcomes", i),
                    kiosk=o.get("kiosk"),
                )
                for i, o in enumerate(data["outcomes"])
            ),
            key=lambda o: -o.severity,
        )
    )

    def rule(r: Mapping[str, Any], i: int) -> Rule:
        """A rule from its checked mapping; a single reason text serves every wording."""
        reason = r["reason"] if isinstance(r["reason"], dict) else {TOLD: r["reason"]}
        source = r["source"]
        return Rule(
            id=r["id"],
            when=_build_condition(r["when"]),
            outcome=r["outcome"],
            reason=reason[TOLD],
            source=Source(
                source.get("section"),
                source.get("quote"),
                source.get("note"),
                source.get("title"),
                source.get("url"),
            ),
            line=line("rules", i),
            reason_unsure=reason.get(NOT_SURE),
            reason_unanswered=reason.get(UNANSWERED),
        )

    rules = tuple(rule(r, i) for i, r in enumerate(data["rules"]))
    cases = tuple(
        Case(
            id=c["id"],
            answers=dict(c["answers"]),
            others=c.get("others"),
            outcome=c["outcome"],
            line=line("cases", i),
            note=c.get("note"),
            description=c.get("description"),
        )
        for i, c in enumerate(data["cases"])
    )

    def approvals(raw: Mapping[str, Any], *where: str) -> tuple[Approval, ...]:
        """The approvals recorded in a review or a translation's entry, in file order."""
        return tuple(
            Approval(
                a["by"],
                a["role"],
                a["date"],
                a["fingerprint"],
                a.get("note"),
                line(*where, "approvals", i),
            )
            for i, a in enumerate(raw.get("approvals") or ())
        )

    raw_review = data.get("review")
    review = (
        Review(
            raw_review["status"],
            raw_review.get("notes"),
            approvals(raw_review, "review"),
            line("review"),
        )
        if raw_review
        else None
    )
    translations = {
        language: Translation(
            language,
            raw["status"],
            raw.get("translator"),
            raw.get("notes"),
            approvals(raw, "translations", language),
            line("translations", language),
        )
        for language, raw in (data.get("translations") or {}).items()
    }
    return Ruleset(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        description=data.get("description"),
        review=review,
        questions=questions,
        outcomes=outcomes,
        rules=rules,
        cases=cases,
        sha256=sha,
        filename=filename,
        language=data.get("language", "en"),
        translations=translations,
        scope=scope,
        outside=outside,
        emergency=data.get("emergency"),
        emergency_line=line("emergency"),
        fingerprint=rules_fingerprint(data, interface),
    )


def parse(
    text: str, *, filename: str, schema: Mapping[str, Any], interface: Sequence[str] = ()
) -> Ruleset:
    """Parse and check a rules file's text; raise RulesetError listing every problem.

    ``interface``: the English texts of Screener's own pages, which a clinician's
    approval covers with the file (``resources.interface_texts``; the fingerprint
    without them is for tests that approve nothing)."""
    data, lines, problems = _read_yaml(text, filename)
    if data is None and problems:
        raise RulesetError(problems)
    checker = _Checker(filename, data, lines)
    checker.problems.extend(problems)
    checker.check_schema(schema)
    checker.check_meaning()
    if checker.problems:
        raise RulesetError(checker.problems)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ruleset = _build(data, lines, sha, filename, interface)
    unknown = [
        Problem(
            filename,
            t.line,
            f"{t.role}: unknown placeholder {m.group(0)!r}; the only one is {{{PLACEHOLDERS[0]}}}",
        )
        for t in ruleset.texts()
        for m in PLACEHOLDER.finditer(t.text)
        if m.group(1) not in PLACEHOLDERS
    ]
    if unknown:
        raise RulesetError(unknown)
    return ruleset
