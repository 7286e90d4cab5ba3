"""Screener in HL7 FHIR R4: the rules as an SDC Questionnaire, answers in as a
QuestionnaireResponse, and the result out as an Observation.

A face like the JSON API (docs/fhir.md says what is mapped and why). Pure: plain
dicts in and out, no Flask, no I/O; the engine never imports it. Every address in
the documents is built from the deployment's public address (``SCREENER_PUBLIC_URL``),
never from a request's Host header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from screener import engine
from screener.ruleset import AllOf, AnswerIn, AnyOf, Condition, Not, Question, Ruleset

MEDIA_TYPE = "application/fhir+json"

ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_CODES = "http://hl7.org/fhir/questionnaire-item-control"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
INSTANTIATES = "http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
URI_SYSTEM = "urn:ietf:rfc:3986"

# QuestionnaireResponse.status (R4, a required binding), and what each means here.
RESPONSE_STATUSES = frozenset(
    {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
)
FINISHED = frozenset({"completed", "amended"})

# FHIR's id type: what a ruleset id becomes as the Questionnaire's id.
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class Canonical:
    """The addresses that name one ruleset in FHIR, all under the public address.

    ``questionnaire`` is the Questionnaire's canonical ``url`` (and resolves: the API
    serves the Questionnaire there); the answers' codes use it as their system, as the
    Questionnaire's answer options say. The outcome and rule codes, the rules file's
    hash and the reason's extension each have an address of their own, so no two kinds
    of code ever share a system. Those name things; nothing is served at them.
    """

    base: str  # the public address with /api/v1/fhir, no trailing slash
    resource_id: str  # the Questionnaire's id: the ruleset id with "-" for "_"

    @classmethod
    def of(cls, public_url: str, ruleset: Ruleset) -> Canonical:
        """The addresses for a ruleset served at ``public_url`` (such as https://x.org)."""
        resource_id = ruleset.id.replace("_", "-")
        if not _ID.fullmatch(resource_id):  # ruleset ids are [a-z][a-z0-9_]*; never here
            raise ValueError(f"{ruleset.id!r} cannot be a FHIR id")
        return cls(public_url.rstrip("/") + "/api/v1/fhir", resource_id)

    @property
    def questionnaire(self) -> str:
        """The Questionnaire's canonical url, and the system of its answer codes."""
        return f"{self.base}/Questionnaire/{self.resource_id}"

    @property
    def answers(self) -> str:
        """The system of the answer codings: the Questionnaire's canonical."""
        return self.questionnaire

    @property
    def outcomes(self) -> str:
        """The system of the outcome codes (the rules file's outcome ids)."""
        return f"{self.base}/CodeSystem/{self.resource_id}-outcome"

    @property
    def rules(self) -> str:
        """The system of the rule codes (the rules file's rule ids)."""
        return f"{self.base}/CodeSystem/{self.resource_id}-rule"

    @property
    def sha256(self) -> str:
        """The system of the identifier that holds the rules file's sha256."""
        return f"{self.base}/NamingSystem/rules-sha256"

    @property
    def answered(self) -> str:
        """The extension that says how a reason's answers were given."""
        return f"{self.base}/StructureDefinition/reason-answered"

    @property
    def review(self) -> str:
        """The extension that says whether a clinician has checked what decided a result."""
        return f"{self.base}/StructureDefinition/review"

    @property
    def rules_hash(self) -> str:
        """The extension that carries the rules file's sha256 on a result."""
        return f"{self.base}/StructureDefinition/rules-sha256"


def hint_link_id(question: Question) -> str:
    """The linkId of a question's hint; "-" never occurs in a question id."""
    return f"{question.id}-hint"


EMERGENCY_LINK_ID = "emergency-message"


def gate_link_id(question: Question) -> str:
    """The linkId of the group a scope question gates: the rest of the screening."""
    return f"{question.id}-in-scope"


# ---- The Questionnaire -------------------------------------------------------------


def questionnaire(
    ruleset: Ruleset,
    canonical: Canonical,
    *,
    language: str,
    approved: bool,
    translations: Mapping[str, Ruleset] | None = None,
    source_language: str | None = None,
) -> dict[str, Any]:
    """The ruleset as an R4 Questionnaire with SDC's rendering and behaviour extensions.

    ``ruleset`` has its texts in ``language`` (a BCP 47 tag); ``translations`` are the
    same rules in the other loaded languages, by tag, added to each text with the
    standard translation extension. ``approved`` says whether both the rules and this
    language's texts have passed clinical review; until then the status is draft.
    ``source_language`` is the rules file's own (default: ``language``): the description,
    which is not translated, is given only in it.
    """
    source_language = source_language or language
    others = dict(translations or {})
    texts = _Texts(others)
    items: list[dict[str, Any]] = []
    if ruleset.emergency:
        items.append(
            {
                "linkId": EMERGENCY_LINK_ID,
                "type": "display",
                "text": ruleset.emergency,
                **texts.of(lambda r: r.emergency or "", "text"),
            }
        )
    plain = _plain_questions(ruleset, canonical)
    # The screening proper sits in a group each scope question gates, as the pages stop
    # at an answer outside the scope: enabled while that question is unanswered or
    # answered in scope, so its questions (and their answers) go at an answer outside.
    inner = [_question_item(q, canonical, texts, ruleset, plain) for q in ruleset.questions]
    for question in reversed(ruleset.scope):
        inner = [_scope_gate(question, canonical, inner)]
    items.extend(_question_item(q, canonical, texts, ruleset, plain) for q in ruleset.scope)
    items.extend(inner)
    document: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": canonical.resource_id,
        "language": language,
        "url": canonical.questionnaire,
        "identifier": [
            {
                "use": "secondary",
                "type": {"text": "SHA-256 of the rules file"},
                "system": canonical.sha256,
                "value": ruleset.sha256,
            }
        ],
        "version": ruleset.version,
        "name": _name(ruleset.id),
        "title": ruleset.title,
        **texts.of(lambda r: r.title, "title"),
        "status": "active" if approved else "draft",
        "subjectType": ["Patient"],
    }
    if ruleset.description and language == source_language:  # it is not translated
        document["description"] = ruleset.description
    document["item"] = items
    return document


def _name(ruleset_id: str) -> str:
    """A computer-friendly name (FHIR: a capital letter, then letters, digits or _)."""
    return "".join(part[:1].upper() + part[1:] for part in ruleset_id.split("_"))


class _Texts:
    """The translation extensions of one text, from the same rules in other languages."""

    def __init__(self, others: Mapping[str, Ruleset]) -> None:
        self.others = others

    def of(self, pick: Any, element: str) -> dict[str, Any]:
        """``{"_element": {"extension": [...]}}`` with ``pick(ruleset)`` in each other
        language, or nothing when only one language is loaded."""
        translations = [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": tag},
                    {"url": "content", "valueString": pick(other)},
                ],
            }
            for tag, other in self.others.items()
            if pick(other)
        ]
        return {f"_{element}": {"extension": translations}} if translations else {}


def _scope_gate(
    question: Question, canonical: Canonical, inner: list[dict[str, Any]]
) -> dict[str, Any]:
    """A group of ``inner`` items, enabled unless ``question`` is answered outside the
    scope (plain enableWhen: it is not answered, or answered one of the in-scope values)."""
    in_scope = sorted(question.in_scope or ())
    return {
        "linkId": gate_link_id(question),
        "type": "group",
        "enableWhen": [
            {"question": question.id, "operator": "exists", "answerBoolean": False},
            *(
                {
                    "question": question.id,
                    "operator": "=",
                    "answerCoding": {"system": canonical.answers, "code": value},
                }
                for value in in_scope
            ),
        ],
        "enableBehavior": "any",
        "item": inner,
    }


def _plain_questions(ruleset: Ruleset, canonical: Canonical) -> frozenset[str]:
    """The questions asked by plain enableWhen (or always): those whose condition it can
    say and that look only at such questions. A question behind enableWhenExpression is
    left out, and so is every question that looks at one: some renderers (LHC-Forms
    40) keep counting the answer to a question an expression has disabled, so every
    condition that looks at one is a FHIRPath that checks that question is asked."""
    plain: set[str] = set()
    for question in ruleset.flow:
        when = question.when
        if when is None or (enable_when(when, canonical) is not None and when.questions() <= plain):
            plain.add(question.id)
    return frozenset(plain)


def _question_item(
    question: Question,
    canonical: Canonical,
    texts: _Texts,
    ruleset: Ruleset,
    plain: frozenset[str],
) -> dict[str, Any]:
    """One question: a choice item with radio buttons, its hint as a display item shown
    with it (no help button: hints hold signs that decide the answer), and when
    it is asked as enableWhen (or, where enableWhen cannot say it, a FHIRPath expression)."""

    def same(other: Ruleset) -> Question:
        return other.question_by_id[question.id]

    item: dict[str, Any] = {
        "linkId": question.id,
        "text": question.text,
        **texts.of(lambda r: same(r).text, "text"),
        "type": "choice",
        "extension": [_item_control("radio-button", "Radio Button")],
    }
    if question.in_scope is not None:
        item["required"] = True  # a scope question must be answered (engine.screen)
    if question.when is not None:
        enable = enable_when(question.when, canonical) if question.id in plain else None
        if enable is not None:
            conditions, behavior = enable
            item["enableWhen"] = conditions
            if len(conditions) > 1:
                item["enableBehavior"] = behavior
        else:
            item["extension"].append(
                {
                    "url": ENABLE_WHEN_EXPRESSION,
                    "valueExpression": {
                        "language": "text/fhirpath",
                        "expression": fhirpath(question.when, ruleset.question_by_id),
                    },
                }
            )
    item["answerOption"] = [
        {
            "valueCoding": {
                "system": canonical.answers,
                "code": option.value,
                "display": option.label,
                **texts.of(lambda r, v=option.value: same(r).label(v), "display"),
            }
        }
        for option in question.options
    ]
    if question.hint:
        item["item"] = [
            {
                "linkId": hint_link_id(question),
                "type": "display",
                "text": question.hint,
                **texts.of(lambda r: same(r).hint or "", "text"),
            }
        ]
    return item


def _item_control(code: str, display: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {
            "coding": [{"system": ITEM_CONTROL_CODES, "code": code, "display": display}]
        },
    }


def enable_when(
    condition: Condition, canonical: Canonical
) -> tuple[list[dict[str, Any]], str] | None:
    """The condition as enableWhen entries and an enableBehavior ("any" or "all"), or
    None when it needs ``not`` or mixes "all" with "any" (then :func:`fhirpath` says it).

    An answer in one of several values is one entry per value, any of which enables.
    """
    pairs = _any_of_answers(condition)
    behavior = "any"
    if pairs is None:
        pairs = _all_of_answers(condition)
        behavior = "all"
    if pairs is None:
        return None
    entries = [
        {
            "question": question,
            "operator": "=",
            "answerCoding": {"system": canonical.answers, "code": value},
        }
        for question, value in pairs
    ]
    return entries, behavior


def _any_of_answers(condition: Condition) -> list[tuple[str, str]] | None:
    """(question, value) pairs of which any one makes the condition hold, or None."""
    if isinstance(condition, AnswerIn):
        return [(condition.question, v) for v in sorted(condition.values)]
    if isinstance(condition, AnyOf):
        pairs: list[tuple[str, str]] = []
        for part in condition.parts:
            found = _any_of_answers(part)
            if found is None:
                return None
            pairs.extend(found)
        return pairs
    return None


def _all_of_answers(condition: Condition) -> list[tuple[str, str]] | None:
    """(question, value) pairs that must all hold for the condition to hold, or None."""
    if isinstance(condition, AnswerIn) and len(condition.values) == 1:
        return [(condition.question, next(iter(condition.values)))]
    if isinstance(condition, AllOf):
        pairs: list[tuple[str, str]] = []
        for part in condition.parts:
            found = _all_of_answers(part)
            if found is None:
                return None
            pairs.extend(found)
        return pairs
    return None


def fhirpath(condition: Condition, questions: Mapping[str, Question] | None = None) -> str:
    """The condition as a FHIRPath expression on the response being filled in
    (``%resource``), true exactly when the engine's condition holds.

    Each answer test ends in ``exists()``, so it is true or false, never empty: an
    unanswered question is simply not in the answers, as in the engine, and ``not``
    of it holds. With ``questions`` (the ruleset's, by id), a test of a follow-up's
    answer also checks the follow-up is asked (its own ``when``, so on to the top): the
    expression then holds as in the engine even in a renderer that keeps the answer to
    a question it has disabled (LHC-Forms 40 does, for enableWhenExpression).
    """
    if isinstance(condition, AnswerIn):
        codes = " or ".join(f"code = {_literal(v)}" for v in sorted(condition.values))
        test = (
            f"%resource.repeat(item).where(linkId = {_literal(condition.question)})"
            f".answer.value.where({codes}).exists()"
        )
        asked = questions[condition.question].when if questions is not None else None
        return test if asked is None else f"({test}) and ({fhirpath(asked, questions)})"
    if isinstance(condition, AllOf):
        return " and ".join(f"({fhirpath(p, questions)})" for p in condition.parts)
    if isinstance(condition, AnyOf):
        return " or ".join(f"({fhirpath(p, questions)})" for p in condition.parts)
    if isinstance(condition, Not):
        return f"({fhirpath(condition.part, questions)}).not()"
    raise TypeError(f"unknown condition {condition!r}")


def _literal(text: str) -> str:
    """A FHIRPath string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---- A QuestionnaireResponse in ----------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One problem with a request, as an OperationOutcome issue."""

    code: str  # from FHIR's issue-type codes: structure, required, value, not-found, ...
    diagnostics: str
    expression: str | None = None  # where, as a FHIRPath such as QuestionnaireResponse.item[2]


class ResponseError(ValueError):
    """A request that cannot be evaluated: 400 when it is not a QuestionnaireResponse at
    all, 422 when it is one that does not fit this questionnaire."""

    def __init__(self, status: int, issues: Sequence[Issue]) -> None:
        self.status = status
        self.issues = tuple(issues)
        super().__init__("; ".join(i.diagnostics for i in issues))


@dataclass(frozen=True)
class Response:
    """What Screener reads from a QuestionnaireResponse."""

    answers: dict[str, str]  # question id to answer value, as on the pages
    status: str
    references: dict[str, Any]  # subject, encounter, and the response itself, to copy
    authored: str | None = None  # when it was answered


def read_response(
    body: Any,
    ruleset: Ruleset,
    canonical: Canonical,
    labels: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
) -> Response:
    """The answers in an R4 QuestionnaireResponse to this ruleset's Questionnaire.

    An item with no answer is unanswered, as on the pages; answers to follow-ups that
    the other answers do not ask are dropped by the engine. Raise ResponseError: 400
    for anything that is not a QuestionnaireResponse, 422 for one to another
    questionnaire or version, an unknown linkId, more than one answer to a question, or
    a value that is not one of the question's options.

    ``labels`` (question id to value to its labels in every loaded language) lets an
    answer's ``display`` be checked: a record system shows the display, so an answer
    whose display names another option is refused rather than read by its code.
    """
    where = "QuestionnaireResponse"
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError(
            400,
            [
                Issue(
                    "structure",
                    "The body must be a FHIR QuestionnaireResponse: a JSON object with "
                    '"resourceType": "QuestionnaireResponse".',
                )
            ],
        )
    status = body.get("status")
    if not isinstance(status, str) or status not in RESPONSE_STATUSES:
        raise ResponseError(
            400,
            [
                Issue(
                    "required" if status is None else "value",
                    "status must be one of " + ", ".join(sorted(RESPONSE_STATUSES)) + ".",
                    f"{where}.status",
                )
            ],
        )
    if status == "entered-in-error":
        raise ResponseError(
            422,
            [
                Issue(
                    "business-rule",
                    "A response entered in error has no answers to evaluate.",
                    f"{where}.status",
                )
            ],
        )
    if "modifierExtension" in body:
        raise ResponseError(422, [_modifier(where)])
    if "implicitRules" in body:
        raise ResponseError(
            422,
            [
                Issue(
                    "not-supported",
                    "Screener cannot follow implicitRules, so it cannot tell what these "
                    "answers mean; send the response without them.",
                    f"{where}.implicitRules",
                )
            ],
        )
    _check_questionnaire(body.get("questionnaire"), ruleset, canonical)
    items = body.get("item", [])
    if not isinstance(items, list):
        raise ResponseError(400, [Issue("structure", "item must be a list.", f"{where}.item")])
    known = {q.id: q for q in ruleset.flow}
    displays = (
        {hint_link_id(q) for q in ruleset.flow if q.hint}
        | {gate_link_id(q) for q in ruleset.scope}
        | {EMERGENCY_LINK_ID}
    )
    answers: dict[str, str] = {}
    problems: list[Issue] = []
    seen: set[str] = set()
    for path, item in _items(items, f"{where}.item"):
        link_id = item.get("linkId")
        if not isinstance(link_id, str):
            raise ResponseError(
                400, [Issue("required", "Each item needs a linkId (text).", f"{path}.linkId")]
            )
        given = item.get("answer", [])
        if not isinstance(given, list) or not all(isinstance(a, dict) for a in given):
            raise ResponseError(
                400, [Issue("structure", "answer must be a list of objects.", f"{path}.answer")]
            )
        question = known.get(link_id)
        if question is None and link_id in displays:
            if given:
                problems.append(
                    Issue(
                        "structure",
                        f"{link_id!r} is not a question: it takes no answer.",
                        f"{path}.answer",
                    )
                )
            continue  # a display or group item, echoed back without an answer
        if question is None:
            problems.append(
                Issue(
                    "not-found",
                    f"No question of this questionnaire has linkId {link_id!r}.",
                    f"{path}.linkId",
                )
            )
            continue
        if link_id in seen:
            problems.append(Issue("duplicate", f"{link_id!r} has more than one item.", path))
            continue
        seen.add(link_id)
        if not given:
            continue
        if len(given) > 1:
            problems.append(
                Issue(
                    "value",
                    f"{link_id!r} takes one answer; this item has {len(given)}.",
                    f"{path}.answer",
                )
            )
            continue
        value = _answer_value(given[0], question, canonical, f"{path}.answer[0]", problems, labels)
        if value is not None:
            answers[link_id] = value
    if problems:
        raise ResponseError(422, problems[:MAX_ISSUES])
    return Response(answers, status, _references(body), _authored(body))


MAX_ISSUES = 20  # enough to fix a response by; never an echo of a whole large body

# What an Observation's subject may be (R4), and the parts of a Reference carried over.
SUBJECT_TYPES = frozenset({"Patient", "Group", "Device", "Location"})
_REFERENCE_PARTS = ("reference", "type", "identifier", "display")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DATE_TIME = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
    r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?"
)


def _references(body: dict[str, Any]) -> dict[str, Any]:
    """The response's subject, encounter and own identity, to carry over to the result:
    checked, and only the parts of a Reference that point somewhere. 400 for a response
    that breaks FHIR's rules, 422 for one Screener cannot carry over."""
    where = "QuestionnaireResponse"
    found: dict[str, Any] = {}
    allowed = {"subject": SUBJECT_TYPES, "encounter": frozenset({"Encounter"})}
    for key, types in allowed.items():
        if key in body:
            found[key] = _reference(body[key], key, types)
    own = body.get("id")
    if own is not None:
        if not isinstance(own, str) or not _FHIR_ID.fullmatch(own):
            raise ResponseError(
                400,
                [Issue("value", "id must be a FHIR id: 1 to 64 of A-Z a-z 0-9 - .", f"{where}.id")],
            )
        found["derivedFrom"] = {"reference": f"QuestionnaireResponse/{own}"}
    elif isinstance(body.get("identifier"), dict):
        identifier = _identifier(body["identifier"])
        if identifier.get("value"):
            found["derivedFrom"] = {"type": "QuestionnaireResponse", "identifier": identifier}
    return found


# A version at the end of a literal reference: Patient/1/_history/2 is Patient/1.
_HISTORY = re.compile(r"/_history/[^/]*\Z")


def _reference(given: Any, key: str, types: frozenset[str]) -> dict[str, Any]:
    """One Reference to carry over: its reference, type, identifier (only its system
    and value) and display (cut to 200 characters), each of them non-empty text, for
    a resource of one of ``types``."""
    where = f"QuestionnaireResponse.{key}"
    not_a_reference = ResponseError(400, [Issue("structure", f"{key} must be a Reference.", where)])
    if not isinstance(given, dict):
        raise not_a_reference
    kept: dict[str, Any] = {}
    for part in _REFERENCE_PARTS:
        if part not in given:
            continue
        value = given[part]
        if part == "identifier":
            if not isinstance(value, dict):
                raise not_a_reference
            value = _identifier(value)
            if not value:
                continue
        elif not isinstance(value, str) or not value:
            raise not_a_reference
        kept[part] = value
    if not kept:
        raise not_a_reference
    reference = kept.get("reference", "")
    if reference.startswith("#"):
        raise ResponseError(
            422,
            [
                Issue(
                    "not-supported",
                    f"{key} points into the response (a contained resource), which the "
                    "result cannot carry; refer to the resource on its server.",
                    f"{where}.reference",
                )
            ],
        )
    # The type it says, and the type its reference names ("Type/id", perhaps at the end
    # of an address and with a version): both must be one an Observation's key can be.
    named = [kept["type"]] if "type" in kept else []
    path = _HISTORY.sub("", reference)
    if "/" in path:
        named.append(path.split("/")[-2])
    for name in named:
        if name not in types:
            raise ResponseError(
                422,
                [
                    Issue(
                        "not-supported",
                        f"An Observation's {key} refers to one of {', '.join(sorted(types))}; "
                        f"this one refers to {name}.",
                        where,
                    )
                ],
            )
    if "display" in kept:
        kept["display"] = kept["display"][:200]
    return kept


def _identifier(given: dict[str, Any]) -> dict[str, str]:
    """An Identifier's system and value, those of them that are non-empty text."""
    return {
        part: value
        for part in ("system", "value")
        if isinstance(value := given.get(part), str) and value
    }


def _authored(body: dict[str, Any]) -> str | None:
    """When the response was answered (its ``authored``), if it says so correctly."""
    authored = body.get("authored")
    if authored is None:
        return None
    if not isinstance(authored, str) or not _DATE_TIME.fullmatch(authored) or not _a_day(authored):
        raise ResponseError(
            400,
            [
                Issue(
                    "value",
                    "authored must be a FHIR dateTime, such as 2026-12-03T09:30:00Z.",
                    "QuestionnaireResponse.authored",
                )
            ],
        )
    return authored


def _a_day(date_time: str) -> bool:
    """Whether a dateTime's date, if it has a day, is one the calendar has (not 02-30)."""
    if len(date_time) < 10:
        return True
    try:
        date.fromisoformat(date_time[:10])
    except ValueError:
        return False
    return True


def _check_questionnaire(named: Any, ruleset: Ruleset, canonical: Canonical) -> None:
    """422 unless the response names this Questionnaire and this version of it."""
    wanted = f"{canonical.questionnaire}|{ruleset.version}"
    where = "QuestionnaireResponse.questionnaire"
    if named is None:
        raise ResponseError(422, [Issue("required", f"questionnaire must name {wanted!r}.", where)])
    if not isinstance(named, str):
        raise ResponseError(400, [Issue("structure", "questionnaire must be text.", where)])
    url, _, version = named.partition("|")
    if url != canonical.questionnaire:
        raise ResponseError(
            422,
            [
                Issue(
                    "not-supported",
                    f"This server evaluates answers to {wanted!r}, not to {named!r}.",
                    where,
                )
            ],
        )
    if version != ruleset.version:
        said = f"is to version {version!r}" if version else "names no version"
        raise ResponseError(
            422,
            [
                Issue(
                    "not-supported",
                    f"The response {said} of the questionnaire; this server has "
                    f"version {ruleset.version!r} (name it as {wanted!r}). Answers to "
                    "another version may not mean the same.",
                    where,
                )
            ],
        )


def _items(items: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every item, nested ones too (under items and under answers), with its path."""
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise ResponseError(400, [Issue("structure", "Each item must be an object.", here)])
        if "modifierExtension" in item:
            raise ResponseError(422, [_modifier(here)])
        yield here, item
        children = item.get("item", [])
        if not isinstance(children, list):
            raise ResponseError(400, [Issue("structure", "item must be a list.", f"{here}.item")])
        yield from _items(children, f"{here}.item")
        answers = item.get("answer")
        for j, answer in enumerate(answers if isinstance(answers, list) else []):
            if isinstance(answer, dict) and "modifierExtension" in answer:
                raise ResponseError(422, [_modifier(f"{here}.answer[{j}]")])
            if isinstance(answer, dict) and "item" in answer:
                nested = answer["item"]
                if not isinstance(nested, list):
                    raise ResponseError(
                        400,
                        [Issue("structure", "item must be a list.", f"{here}.answer[{j}].item")],
                    )
                yield from _items(nested, f"{here}.answer[{j}].item")


def _modifier(path: str) -> Issue:
    """A modifier extension changes what an element means; Screener knows none."""
    return Issue(
        "not-supported",
        "Screener knows no modifier extension, so it cannot tell what these answers mean.",
        f"{path}.modifierExtension",
    )


def _answer_value(
    answer: dict[str, Any],
    question: Question,
    canonical: Canonical,
    path: str,
    problems: list[Issue],
    labels: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
) -> str | None:
    """The option value an answer codes, or None after adding the problem."""
    options = ", ".join(repr(v) for v in question.values)
    values = [k for k in answer if k.startswith("value")]
    if len(values) > 1:
        problems.append(
            Issue(
                "structure",
                f"An answer has one value; this one has {len(values)} ({', '.join(values)}).",
                path,
            )
        )
        return None
    coding = answer.get("valueCoding")
    if not isinstance(coding, dict):
        other = next((k for k in answer if k.startswith("value")), None)
        problems.append(
            Issue(
                "value",
                f"{question.id!r} is answered with a Coding of one of its options ({options}); "
                + (f"this answer has {other}." if other else "this answer has no value."),
                path,
            )
        )
        return None
    system, code = coding.get("system"), coding.get("code")
    if system is not None and system != canonical.answers:
        problems.append(
            Issue(
                "code-invalid",
                f"{question.id!r}'s answers are coded in {canonical.answers!r}, not {system!r}.",
                f"{path}.value.ofType(Coding).system",
            )
        )
        return None
    if not isinstance(code, str) or code not in question.values:
        problems.append(
            Issue(
                "code-invalid",
                f"{question.id!r} cannot be {code!r}; its answers are {options}.",
                f"{path}.value.ofType(Coding).code",
            )
        )
        return None
    display = coding.get("display")
    if display is not None and labels is not None:
        known = labels.get(question.id, {}).get(code, frozenset())
        if not isinstance(display, str) or display not in known:
            problems.append(
                Issue(
                    "value",
                    f"{question.id!r} is answered {code!r}, but its display says "
                    "something else than that option's label; send the option's own "
                    "label, or no display.",
                    f"{path}.value.ofType(Coding).display",
                )
            )
            return None
    return code


# ---- The result out ----------------------------------------------------------------


def observation(
    ruleset: Ruleset,
    canonical: Canonical,
    screened: engine.Result | engine.OutsideScope,
    response: Response,
    *,
    language: str,
    issued: str,
    review: str = "draft",
) -> dict[str, Any]:
    """The result as an Observation a record system can store (docs/fhir.md).

    Its value is the outcome, coded by outcome id; each reason is a component coded by
    rule id, valued with the outcome that rule points to. For a person outside the
    screening's scope there is no value at all (data absent: not applicable), never
    the lowest outcome. ``issued`` is the instant of the evaluation (FHIR instant);
    ``review`` is the clinical review of what decided it, as the pages say it:
    ``approved`` only when the rules and this language's texts both are.
    """
    version = ruleset.version
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "language": language,
        "extension": [
            {
                "url": INSTANTIATES,
                "valueCanonical": f"{canonical.questionnaire}|{version}",
            },
            {"url": canonical.rules_hash, "valueString": ruleset.sha256},
            {"url": canonical.review, "valueCode": review},
        ],
        "status": "final" if response.status in FINISHED else "preliminary",
        "category": [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [
                {
                    "system": URI_SYSTEM,
                    "code": canonical.questionnaire,  # the same for every version
                    "display": ruleset.title,
                }
            ],
            "text": ruleset.title,
        },
        **{k: v for k, v in response.references.items() if k in ("subject", "encounter")},
        **({"effectiveDateTime": response.authored} if response.authored else {}),
        "issued": issued,
    }
    if "derivedFrom" in response.references:
        body["derivedFrom"] = [response.references["derivedFrom"]]
    if isinstance(screened, engine.OutsideScope):
        told = ruleset.outside
        body["dataAbsentReason"] = {
            "coding": [
                {"system": DATA_ABSENT, "code": "not-applicable", "display": "Not Applicable"}
            ],
            "text": told.title if told else "Outside the screening's scope",
        }
        notes = [told.body, *told.next_steps] if told else []
        if ruleset.emergency:
            notes.append(ruleset.emergency)
        if notes:
            body["note"] = [{"text": text} for text in notes]
        return body
    outcome = screened.outcome
    body["valueCodeableConcept"] = {
        "coding": [
            {
                "system": canonical.outcomes,
                "version": version,
                "code": outcome.id,
                "display": outcome.title,
            }
        ],
        "text": outcome.title,
    }
    if screened.reasons:
        body["component"] = [
            {
                "extension": [{"url": canonical.answered, "valueCode": reason.basis}],
                "code": {
                    "coding": [
                        {"system": canonical.rules, "version": version, "code": reason.rule}
                    ],
                    "text": reason.text,
                },
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": canonical.outcomes,
                            "version": version,
                            "code": reason.outcome,
                            "display": ruleset.outcome_by_id[reason.outcome].title,
                        }
                    ]
                },
            }
            for reason in screened.reasons
        ]
    return body


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    """An OperationOutcome with each issue as an error."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": issue.code,
                "diagnostics": issue.diagnostics,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
