"""The JSON API (/api/v1) for sites that build their own interface.

Stateless like the rest of Screener: a site fetches the questionnaire, asks
the questions itself, and posts the answers to be evaluated. Nothing is
stored or logged but the method, path, status and timing. Errors are
``application/problem+json`` (RFC 9457) and say what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from screener import engine, fhir, fhir_api, i18n, metrics, security
from screener.ruleset import BASES, AllOf, AnswerIn, AnyOf, Condition, Not, Question, Ruleset
from screener.screening import screening

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_blueprint(fhir_api.bp)  # /api/v1/fhir: the same languages, CORS and limits

MAX_BODY = 16 * 1024
PROBLEM_TYPES = "https://screener.invalid/problems/"


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem response; on the FHIR face's addresses, an OperationOutcome."""
    if fhir_api.is_fhir_request():
        return fhir_api.error(status, detail)
    body = {
        "type": PROBLEM_TYPES + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers["Content-Language"] = "en"  # problems are for developers, in English
    return response


def condition_json(cond: Condition) -> dict[str, Any]:
    """A condition in the rules file's own JSON form."""
    if isinstance(cond, AnswerIn):
        return {"question": cond.question, "in": sorted(cond.values)}
    if isinstance(cond, AllOf):
        return {"all": [condition_json(p) for p in cond.parts]}
    if isinstance(cond, AnyOf):
        return {"any": [condition_json(p) for p in cond.parts]}
    if isinstance(cond, Not):
        return {"not": condition_json(cond.part)}
    raise TypeError(f"unknown condition {cond!r}")


def ruleset_json(ruleset: Ruleset) -> dict[str, Any]:
    """The ruleset's id, version and hash."""
    return {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256}


def rules_review(ruleset: Ruleset) -> dict[str, Any]:
    """Where the rules' clinical review stands, as the pages say it: ``approved`` with who
    signed them off, only while an approval names the rules as they are now."""
    approval = ruleset.approval
    return {
        "state": ruleset.standing.state,
        "approval": {"role": approval.role, "date": approval.date} if approval else None,
    }


def question_json(question: Question) -> dict[str, Any]:
    """A question as the questionnaire gives it; a scope question says which answers are
    inside the scope (any other ends the screening with no outcome)."""
    body: dict[str, Any] = {
        "id": question.id,
        "text": question.text,
        "hint": question.hint,
        "options": [{"value": o.value, "label": o.label} for o in question.options],
        "asked_when": condition_json(question.when) if question.when else None,
        "if_unanswered": question.if_unanswered,
        "scope": question.in_scope is not None,
    }
    if question.in_scope is not None:
        body["in_scope"] = [v for v in question.values if v in question.in_scope]
    return body


@bp.get("/questionnaire")
def questionnaire() -> Response:
    """The questions in order (scope questions first), with when each is asked, the
    emergency message, the outcomes, and what a person outside the scope is told."""
    ruleset = i18n.rules()
    outside = ruleset.outside
    body = {
        "ruleset": {**ruleset_json(ruleset), "title": ruleset.title},
        "language": i18n.current().tag,
        "rules_review": rules_review(ruleset),
        "translation_review": i18n.current().review,
        "emergency": ruleset.emergency,
        "questions": [question_json(q) for q in ruleset.flow],
        "outcomes": [
            {
                "id": o.id,
                "severity": o.severity,
                "title": o.title,
                "body": o.body,
                "kiosk": o.kiosk,
                "next_steps_title": o.next_steps_title,
                "next_steps": list(o.next_steps),
            }
            for o in ruleset.outcomes
        ],
        "outside": {
            "title": outside.title,
            "body": outside.body,
            "next_steps": list(outside.next_steps),
        }
        if outside
        else None,
    }
    return Response(json.dumps(body), mimetype="application/json")


@bp.post("/evaluate")
def evaluate() -> Response:
    """Evaluate ``{"answers": {...}}``; the result has the same shape as ``screener evaluate``.

    Every scope question must be answered. An answer outside the scope gives a result
    with no outcome (``"scope": "outside"``), never the lowest outcome.
    """
    if request.content_length is not None and request.content_length > MAX_BODY:
        return problem(413, "Too large", f"Send at most {MAX_BODY} bytes of JSON.")
    if request.mimetype != "application/json":
        return problem(400, "Not JSON", 'Send a JSON body with "Content-Type: application/json".')
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return problem(413, "Too large", f"Send at most {MAX_BODY} bytes of JSON.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        return problem(400, "Malformed JSON", f"The body is not valid JSON: {e}.")
    except RecursionError:
        return problem(400, "Malformed JSON", "The body is nested too deeply; send a flat object.")
    if not isinstance(body, dict) or set(body) != {"answers"}:
        return problem(
            422,
            "Invalid request",
            'Send an object with one key, "answers", such as {"answers": {"for_you": "yes"}}.',
        )
    answers = body["answers"]
    if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
        return problem(
            422,
            "Invalid answers",
            '"answers" must be an object of question ids to answer values (text).',
        )
    ruleset = i18n.rules()
    try:
        screened = engine.screen(ruleset, answers)
    except engine.AnswerError as e:
        return problem(422, "Invalid answers", "; ".join(e.problems), errors=list(e.problems))
    if isinstance(screened, engine.OutsideScope):
        metrics.outside_scope("api")  # no outcome, so never counted as one
        body = engine.outside_json(ruleset, screened)
    else:
        metrics.completed(screened.outcome.id, "api")
        body = engine.result_json(ruleset, screened)
    return Response(json.dumps(body), mimetype="application/json")


@bp.before_request
def _language() -> Response | None:
    """``?lang=`` picks the language of the texts; otherwise ``Accept-Language`` does.

    ``lang`` must be one of the tags the OpenAPI document's ``Language`` lists, exactly
    as written there (``en-GB``, not ``en``, ``en-gb`` or ``EN-GB``), and given once;
    anything else is a 400 that names them. Only ``Accept-Language``, which browsers
    send on their own, is matched loosely (``es-MX`` gives ``es``).
    """
    tags = request.args.getlist("lang")
    if not tags:
        return None
    offered = [lang.tag for lang in i18n.languages().offered]
    if len(tags) > 1:
        return problem(400, "Unknown language", f"Give lang once: one of {', '.join(offered)}.")
    if tags[0] not in offered:  # exactly: not "en", "ES" or "es-MX"
        return problem(400, "Unknown language", f"lang must be one of: {', '.join(offered)}.")
    i18n.choose(tags[0])
    return None


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, for this server's rules."""
    tags = [lang.tag for lang in i18n.languages().offered]
    document = openapi_document(
        screening().ruleset, tags, fhir_api.canonical(), fhir_api.option_labels()
    )
    return Response(json.dumps(document), mimetype="application/json")


def openapi_document(
    ruleset: Ruleset,
    tags: list[str],
    canonical: fhir.Canonical | None = None,
    labels: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> dict[str, Any]:
    """An OpenAPI 3.1 document that matches the implementation above and the FHIR face
    (:mod:`screener.fhir_api`); ``canonical`` is the FHIR addresses, None when no public
    address is configured (the FHIR paths are still described: they answer 404).
    ``labels`` are each question's option labels in every offered language, by question
    and value, which an answer's display may be (default: the rules' own)."""
    problem_schema = {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    }
    problem_response = {
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    }
    # Every address answers these before it looks at anything else (screener.security).
    limits = {
        "413": {"description": "Body too large", **problem_response},
        "414": {"description": "Path and query too long", **problem_response},
        "431": {"description": "Headers too large", **problem_response},
    }
    language_parameter = {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "The language of the texts: exactly one of these tags, as written "
        "(case-sensitive); any other value is a 400. Without it, the request's "
        "Accept-Language header picks one of these; otherwise the server's default.",
        "schema": {"$ref": "#/components/schemas/Language"},
    }
    answers = {
        "type": "object",
        "description": "Question id to answer value. The scope questions must be answered; "
        "other questions left out count as unanswered.",
        "properties": {q.id: {"type": "string", "enum": list(q.values)} for q in ruleset.flow},
        "required": [q.id for q in ruleset.scope],
        "additionalProperties": False,
    }
    outcome_ids = [o.id for o in ruleset.outcomes]
    ruleset_ref = {"$ref": "#/components/schemas/Ruleset"}
    language_ref = {"$ref": "#/components/schemas/Language"}
    texts = {"type": "array", "items": {"type": "string"}}
    outside_schema = {
        "description": "What a person outside the screening's scope is told instead of an outcome.",
        "type": "object",
        "required": ["title", "body", "next_steps"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string"},
            "body": {"type": "string"},
            "next_steps": texts,
        },
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Screener API",
            "version": "1",
            "description": "Contraindication screening: the questionnaire and the evaluation "
            "of answers, in Screener's JSON and in HL7 FHIR R4 (/api/v1/fhir, on when "
            "SCREENER_PUBLIC_URL is set). Stateless; nothing is stored.",
        },
        "paths": {
            "/api/v1/questionnaire": {
                "get": {
                    "operationId": "questionnaire",
                    "summary": "The questions, when each is asked, and the outcomes",
                    "parameters": [language_parameter],
                    "responses": {
                        "200": {
                            "description": "The questionnaire",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Questionnaire"}
                                }
                            },
                        },
                        "400": {"description": "Unknown language", **problem_response},
                        **limits,
                    },
                }
            },
            "/api/v1/evaluate": {
                "post": {
                    "operationId": "evaluate",
                    "summary": "Evaluate answers",
                    "parameters": [language_parameter],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["answers"],
                                    "additionalProperties": False,
                                    "properties": {"answers": answers},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The outcome and the reasons for it, or, for "
                            "a person outside the scope, no outcome",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Result"}
                                }
                            },
                        },
                        "400": {
                            "description": "Not JSON, malformed, or an unknown language",
                            **problem_response,
                        },
                        **limits,
                        "422": {
                            "description": "Unknown question or answer, a scope question "
                            "not answered, or wrong types",
                            **problem_response,
                        },
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Problem": problem_schema,
                "Ruleset": {
                    "type": "object",
                    "required": ["id", "version", "sha256"],
                    "properties": {
                        "id": {"type": "string"},
                        "version": {"type": "string"},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "title": {"type": "string"},
                    },
                },
                "Result": {
                    "description": "Inside the scope, an outcome and the reasons for it; "
                    "outside it, no outcome at all and what the person is told instead.",
                    "oneOf": [
                        {"$ref": "#/components/schemas/Screened"},
                        {"$ref": "#/components/schemas/OutsideScope"},
                    ],
                },
                "Screened": {
                    "type": "object",
                    "required": ["outcome", "reasons", "scope", "ruleset", "language"],
                    "additionalProperties": False,
                    "properties": {
                        "outcome": {
                            "type": "object",
                            "required": ["id", "severity", "title"],
                            "additionalProperties": False,
                            "properties": {
                                "id": {"type": "string", "enum": outcome_ids},
                                "severity": {"type": "integer"},
                                "title": {"type": "string"},
                            },
                        },
                        "reasons": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["rule", "outcome", "text", "answered"],
                                "additionalProperties": False,
                                "properties": {
                                    "rule": {"type": "string"},
                                    "outcome": {"type": "string", "enum": outcome_ids},
                                    "text": {"type": "string"},
                                    "answered": {
                                        "description": "How the answers behind the reason "
                                        "were given: told (each answered), unsure (one was "
                                        "not sure) or unanswered (one was left out). The "
                                        "text is worded to match.",
                                        "type": "string",
                                        "enum": list(BASES),
                                    },
                                },
                            },
                        },
                        "scope": {"const": "inside"},
                        "ruleset": ruleset_ref,
                        "language": language_ref,
                    },
                },
                "OutsideScope": {
                    "type": "object",
                    "required": [
                        "outcome",
                        "reasons",
                        "scope",
                        "question",
                        "emergency",
                        "outside",
                        "ruleset",
                        "language",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "outcome": {"type": "null"},
                        "reasons": {"type": "array", "maxItems": 0},
                        "scope": {"const": "outside"},
                        "question": {
                            "description": "The scope question whose answer is outside it.",
                            "type": "string",
                            "enum": [q.id for q in ruleset.scope],
                        },
                        "emergency": {
                            "description": "What to do in an emergency, as every page says it "
                            "(null when the rules have no such message).",
                            "type": ["string", "null"],
                        },
                        "outside": {"$ref": "#/components/schemas/Outside"},
                        "ruleset": ruleset_ref,
                        "language": language_ref,
                    },
                },
                "Outside": outside_schema,
                "Language": {
                    "description": "The language of the texts, as a BCP 47 tag",
                    "type": "string",
                    "enum": tags,
                },
                "Questionnaire": {
                    "type": "object",
                    "required": [
                        "ruleset",
                        "language",
                        "rules_review",
                        "emergency",
                        "questions",
                        "outcomes",
                        "outside",
                    ],
                    "properties": {
                        "ruleset": {"$ref": "#/components/schemas/Ruleset"},
                        "language": {"$ref": "#/components/schemas/Language"},
                        "rules_review": {
                            "description": "The clinical review of the rules: approved "
                            "only while a clinician's approval names the rules as they are "
                            "now (then approval says their role and the date); else draft, "
                            "in-review, not recorded, or changed since review. Show anything "
                            "but approved to the person as a draft, as Screener's own pages "
                            "do.",
                            "type": "object",
                            "required": ["state", "approval"],
                            "additionalProperties": False,
                            "properties": {
                                "state": {
                                    "type": "string",
                                    "enum": [
                                        "approved",
                                        "draft",
                                        "in-review",
                                        "not recorded",
                                        "changed since review",
                                    ],
                                },
                                "approval": {
                                    "type": ["object", "null"],
                                    "required": ["role", "date"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "role": {"type": "string"},
                                        "date": {"type": "string", "format": "date"},
                                    },
                                },
                            },
                        },
                        "translation_review": {
                            "description": "The clinical review of the texts in this "
                            "language: source (the rules file's own language), approved, "
                            "in-review, draft, not recorded, or changed since review. Show "
                            "anything but source or approved to the person, as Screener's "
                            "own pages do.",
                            "type": "string",
                        },
                        "emergency": {
                            "description": "What to do in an emergency, with the emergency "
                            "number filled in; show it on every screen, as Screener's own "
                            "pages do.",
                            "type": ["string", "null"],
                        },
                        "questions": {
                            "description": "In the order a person meets them: the scope "
                            "questions first.",
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "id",
                                    "text",
                                    "options",
                                    "asked_when",
                                    "if_unanswered",
                                    "scope",
                                ],
                                "properties": {
                                    "scope": {
                                        "description": "A scope question: it decides who "
                                        "the screening is for, and must be answered.",
                                        "type": "boolean",
                                    },
                                    "in_scope": {
                                        "description": "For a scope question, the answers "
                                        "of people the screening is for; any other ends it "
                                        "with no outcome.",
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                },
                            },
                        },
                        "outcomes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "severity", "title", "body", "next_steps"],
                                "properties": {"id": {"type": "string", "enum": outcome_ids}},
                            },
                        },
                        "outside": {
                            "oneOf": [{"$ref": "#/components/schemas/Outside"}, {"type": "null"}]
                        },
                    },
                },
            }
        },
    }
    paths, schemas = fhir_openapi(ruleset, canonical, language_parameter, labels)
    document["paths"].update(paths)
    document["components"]["schemas"].update(schemas)
    return document


# --------------------------------------------------------------------------- FHIR's part

FHIR_OFF = (
    "The FHIR face answers 404, with an OperationOutcome that names the setting, on a "
    "server where SCREENER_PUBLIC_URL is not set: its canonical addresses are built from "
    "the public address, never from the request (docs/fhir.md)."
)

# R4's IssueType codes (a required binding of OperationOutcome.issue.code).
FHIR_ISSUE_TYPES = [
    "invalid",
    "structure",
    "required",
    "value",
    "invariant",
    "security",
    "login",
    "unknown",
    "expired",
    "forbidden",
    "suppressed",
    "processing",
    "not-supported",
    "duplicate",
    "multiple-matches",
    "not-found",
    "deleted",
    "too-long",
    "code-invalid",
    "extension",
    "too-costly",
    "business-rule",
    "conflict",
    "transient",
    "lock-error",
    "no-store",
    "exception",
    "timeout",
    "incomplete",
    "throttled",
    "informational",
]

NO_MODIFIERS = {"$ref": "#/components/schemas/FhirNoModifierExtension"}

# FHIR's dateTime, as screener.fhir reads it: R4's pattern, and a day the calendar has
# (02-29 in a leap year only).
_YEAR = "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_TIME = (
    "T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
    "(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
FHIR_DATE_TIME = (
    f"^({_YEAR}(-(0[1-9]|1[0-2]))?|({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)({_TIME})?)$"
)


def reference_pattern(types: Iterable[str]) -> str:
    """The Reference.reference values screener.fhir carries over for a resource of one of
    ``types``: not into the response (#...), and the "Type/id" it ends in, if any (after
    an address, before a /_history/version), of one of ``types``."""
    history = "(/_history/[^/]*)?"
    named = "(" + "|".join(sorted(types)) + ")"
    return f"^([^#/][^/]*{history}|/_history/[^/]*|(([^#][\\s\\S]*)?/)?{named}/[^/]*{history})$"


def reference_schema(types: Iterable[str], description: str) -> dict[str, Any]:
    """A Reference to a resource of one of ``types`` that a QuestionnaireResponse may
    give, as screener.fhir reads it: at least one of its reference, type, display and
    identifier (an object, with a system or value); each given one non-empty text."""
    identifier_text = {"type": "string", "minLength": 1}
    return {
        "description": description,
        "type": "object",
        "properties": {
            "reference": {"type": "string", "pattern": reference_pattern(types)},
            "type": {"enum": sorted(types)},
            "identifier": {"type": "object"},
            "display": {"type": "string", "minLength": 1},
        },
        "anyOf": [
            {"required": ["reference"]},
            {"required": ["type"]},
            {"required": ["display"]},
            {
                "required": ["identifier"],
                "properties": {
                    "identifier": {
                        "anyOf": [
                            {"required": ["system"], "properties": {"system": identifier_text}},
                            {"required": ["value"], "properties": {"value": identifier_text}},
                        ]
                    }
                },
            },
        ],
    }


def carried_reference(types: Iterable[str]) -> dict[str, Any]:
    """A Reference as the Observation carries it over from the response."""
    text = {"type": "string", "minLength": 1}
    return {
        "description": "Copied from the response: only its reference, type, identifier "
        "(system and value) and display (at most 200 characters).",
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "reference": text,
            "type": {"enum": sorted(types)},
            "identifier": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": False,
                "properties": {"system": text, "value": text},
            },
            "display": {**text, "maxLength": 200},
        },
    }


def fhir_openapi(
    ruleset: Ruleset,
    canonical: fhir.Canonical | None,
    language_parameter: dict[str, Any],
    labels: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The FHIR face's paths and component schemas, for :func:`openapi_document`."""

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    def fhir_json(name: str) -> dict[str, Any]:
        return {fhir.MEDIA_TYPE: {"schema": ref(name)}}

    def outcome(description: str) -> dict[str, Any]:
        return {"description": description, "content": fhir_json("OperationOutcome")}

    limits = {
        "413": outcome("Body too large"),
        "414": outcome("Path and query too long"),
        "431": outcome("Headers too large"),
    }
    not_allowed = {
        "405": outcome(
            "The address does not take that method; the Allow header names those it does"
        )
    }
    questionnaire_ok = {
        "200": {
            "description": "The Questionnaire, its texts in the request's language and the "
            "other offered languages as translations",
            "content": fhir_json("FhirQuestionnaire"),
        }
    }
    question_ids = [q.id for q in ruleset.flow]
    outcome_ids = [o.id for o in ruleset.outcomes]
    named = f"{canonical.questionnaire}|{ruleset.version}" if canonical else None
    text = {"type": "string"}
    if canonical is not None:
        resource_id: dict[str, Any] = {"const": canonical.resource_id}
        url: dict[str, Any] = {"const": canonical.questionnaire}
        answers_system: dict[str, Any] = {"const": canonical.answers}
        outcomes_system: dict[str, Any] = {"const": canonical.outcomes}
        rules_system: dict[str, Any] = {"const": canonical.rules}
        review_extension: dict[str, Any] = {"const": canonical.review}
        questionnaire_named: dict[str, Any] = {"const": named}
    else:  # FHIR is off: every FHIR address answers 404
        resource_id = {"type": "string", "pattern": "^[A-Za-z0-9\\-.]{1,64}$"}
        url = answers_system = outcomes_system = rules_system = {"type": "string"}
        review_extension = {"type": "string"}
        questionnaire_named = {"type": "string"}
    coding = {
        "type": "object",
        "properties": {"system": text, "version": text, "code": text, "display": text},
    }
    concept = {
        "type": "object",
        "properties": {"coding": {"type": "array", "items": coding}, "text": text},
    }

    # ---- the request: a QuestionnaireResponse, its items as the Questionnaire's are
    structure = fhir.questionnaire(
        ruleset,
        canonical or fhir.Canonical.of("https://screener.invalid", ruleset),
        language=ruleset.language.replace("_", "-"),
        approved=False,
    )
    if labels is None:
        labels = {q.id: {o.value: [o.label] for o in q.options} for q in ruleset.flow}
    system = ref("FhirAnswerSystem")
    response_schema = {
        "description": "An R4 QuestionnaireResponse to this server's Questionnaire. Other "
        "FHIR elements (identifier, author, text, extension, ...) may be given: subject "
        "and encounter are copied to the Observation, authored is its effectiveDateTime, "
        "and the id, or else the identifier, is its derivedFrom. This "
        "schema has the items nested as the Questionnaire's are, as FHIR asks; Screener "
        "also reads questions at other depths (all at the top, say) or under answers.",
        "type": "object",
        "required": ["resourceType", "status", "questionnaire", "item"],
        "properties": {
            "resourceType": {"const": "QuestionnaireResponse"},
            "status": {
                "description": "completed or amended give a final Observation; in-progress "
                "or stopped a preliminary one, the unanswered counting as not sure. "
                "entered-in-error is refused (422): such a response has no answers.",
                "enum": ["in-progress", "completed", "amended", "stopped"],
            },
            "questionnaire": {
                **questionnaire_named,
                "description": "This server's Questionnaire and its version, url|version: "
                "answers to another version may not mean the same (422).",
            },
            "item": {
                "description": "The answers, each in an item of its own where the "
                "Questionnaire has that item (questions inside the groups the scope "
                "questions gate), in any order. A question's answer is one Coding of "
                "one of its options; without one (no answer, or an empty list) it is "
                "unanswered, but a required (scope) question must be answered. Group "
                "and display items have no answer; display items may be left out.",
                **response_items(structure["item"], system, labels),
            },
            "id": {
                "description": "A FHIR id (null counts as not given); the Observation is "
                "derivedFrom QuestionnaireResponse/ and it.",
                "type": ["string", "null"],
                "pattern": "^[A-Za-z0-9\\-.]{1,64}$",
            },
            "authored": {
                "description": "A FHIR dateTime (null counts as not given): the "
                "Observation's effectiveDateTime.",
                "type": ["string", "null"],
                "pattern": FHIR_DATE_TIME,
            },
            "subject": reference_schema(
                fhir.SUBJECT_TYPES,
                "Who the answers are about; not a resource contained in the response.",
            ),
            "encounter": reference_schema(
                ["Encounter"], "The encounter; not a resource contained in the response."
            ),
            "implicitRules": {
                "description": "Not allowed: Screener cannot follow them, so it cannot tell "
                "what the answers would mean (422).",
                "not": {},
            },
            "modifierExtension": NO_MODIFIERS,
        },
    }

    # ---- the responses
    questionnaire_item = {
        "type": "object",
        "required": ["linkId", "type"],
        "properties": {
            "linkId": text,
            "type": {"enum": ["choice", "display", "group"]},
            "text": text,
            "required": {"type": "boolean"},
            "enableWhen": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["question", "operator"],
                    "properties": {
                        "question": {"enum": question_ids},
                        "operator": {"enum": ["=", "exists"]},
                        "answerCoding": coding,
                        "answerBoolean": {"type": "boolean"},
                    },
                },
            },
            "enableBehavior": {"enum": ["any", "all"]},
            "answerOption": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["valueCoding"],
                    "properties": {
                        "valueCoding": {
                            "type": "object",
                            "required": ["system", "code", "display"],
                            "properties": {"system": answers_system, "code": text, "display": text},
                        }
                    },
                },
            },
            "item": {"type": "array", "items": ref("FhirQuestionnaireItem")},
        },
    }
    questionnaire_schema = {
        "description": "The rules as an R4 Questionnaire with SDC's rendering and behaviour "
        "extensions (docs/fhir.md). Its status is active only when the rules and this "
        "language's texts have both passed clinical review; until then, draft. An active "
        "one has translations only into languages whose texts have passed it too; the "
        "description is only in the rules' own language.",
        "type": "object",
        "required": [
            "resourceType",
            "id",
            "language",
            "url",
            "identifier",
            "version",
            "name",
            "title",
            "status",
            "subjectType",
            "item",
        ],
        "properties": {
            "resourceType": {"const": "Questionnaire"},
            "id": resource_id,
            "language": ref("Language"),
            "url": url,
            "identifier": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["system", "value"],
                    "properties": {"system": text, "value": {"const": ruleset.sha256}},
                },
            },
            "version": {"const": ruleset.version},
            "name": {"type": "string", "pattern": "^[A-Z][A-Za-z0-9_]{0,254}$"},
            "title": text,
            "description": text,
            "status": {"enum": ["draft", "active"]},
            "subjectType": {"type": "array", "items": {"const": "Patient"}},
            "item": {"type": "array", "items": ref("FhirQuestionnaireItem")},
        },
    }
    outcome_coding = {
        "type": "object",
        "required": ["system", "version", "code"],
        "properties": {
            "system": outcomes_system,
            "version": {"const": ruleset.version},
            "code": {"enum": outcome_ids},
            "display": text,
        },
    }
    observation_schema = {
        "description": "The result: the outcome as the value, each reason a component. For "
        "a person outside the screening's scope, no value at all (dataAbsentReason "
        "not-applicable), never the lowest outcome.",
        "type": "object",
        "required": ["resourceType", "language", "extension", "status", "category", "code"],
        "properties": {
            "resourceType": {"const": "Observation"},
            "language": ref("Language"),
            "extension": {
                "type": "array",
                "items": {"type": "object", "required": ["url"], "properties": {"url": text}},
                "contains": {
                    "description": "Whether a clinician has checked the rules and this "
                    "language's texts (approved) or not (draft).",
                    "type": "object",
                    "required": ["url", "valueCode"],
                    "properties": {
                        "url": review_extension,
                        "valueCode": {"enum": ["approved", "draft"]},
                    },
                },
            },
            "status": {
                "description": "final for a completed or amended response, else preliminary",
                "enum": ["final", "preliminary"],
            },
            "category": {"type": "array", "items": concept},
            "code": {
                "type": "object",
                "required": ["coding"],
                "properties": {
                    "coding": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["system", "code"],
                            "properties": {
                                "system": {"const": fhir.URI_SYSTEM},
                                "code": {
                                    **url,
                                    "description": "The Questionnaire's url, without a "
                                    "version: the same for every version",
                                },
                                "display": text,
                            },
                        },
                    },
                    "text": text,
                },
            },
            "subject": carried_reference(fhir.SUBJECT_TYPES),
            "encounter": carried_reference(["Encounter"]),
            "effectiveDateTime": {
                "description": "The response's authored, when it gives one.",
                "type": "string",
                "pattern": FHIR_DATE_TIME,
            },
            "derivedFrom": {"type": "array", "items": {"type": "object"}},
            "issued": {
                "type": "string",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                "(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
            },
            "valueCodeableConcept": {
                "type": "object",
                "required": ["coding"],
                "properties": {
                    "coding": {"type": "array", "minItems": 1, "items": outcome_coding},
                    "text": text,
                },
            },
            "dataAbsentReason": concept,
            "note": {
                "type": "array",
                "items": {"type": "object", "required": ["text"], "properties": {"text": text}},
            },
            "component": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "valueCodeableConcept"],
                    "properties": {
                        "extension": {"type": "array"},
                        "code": {
                            "type": "object",
                            "required": ["coding", "text"],
                            "properties": {
                                "coding": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["system", "code"],
                                        "properties": {
                                            "system": rules_system,
                                            "code": {"enum": [r.id for r in ruleset.rules]},
                                        },
                                    },
                                },
                                "text": text,
                            },
                        },
                        "valueCodeableConcept": {
                            "type": "object",
                            "required": ["coding"],
                            "properties": {"coding": {"type": "array", "items": outcome_coding}},
                        },
                    },
                },
            },
        },
        "oneOf": [{"required": ["valueCodeableConcept"]}, {"required": ["dataAbsentReason"]}],
    }
    outcome_schema = {
        "description": "What is wrong with the request, in English: each issue's diagnostics "
        "says what to fix, its expression where.",
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"const": "OperationOutcome"},
            "issue": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["severity", "code", "diagnostics"],
                    "properties": {
                        "severity": {"enum": ["fatal", "error", "warning", "information"]},
                        "code": {"enum": FHIR_ISSUE_TYPES},
                        "diagnostics": text,
                        "expression": {"type": "array", "items": text},
                    },
                },
            },
        },
    }

    request_content = {
        "schema": ref("FhirQuestionnaireResponse"),
        **({"examples": fhir_examples(ruleset, canonical, structure["item"])} if canonical else {}),
    }
    id_parameter: dict[str, Any] = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The Questionnaire's id, the end of its canonical url; any other is a 404.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9\\-.]{1,64}$"},
    }
    if canonical is not None:
        id_parameter["example"] = canonical.resource_id
    paths = {
        "/api/v1/fhir/Questionnaire": {
            "get": {
                "operationId": "fhirQuestionnaire",
                "summary": "The questionnaire as an HL7 FHIR R4 Questionnaire (SDC)",
                "description": FHIR_OFF,
                "parameters": [language_parameter],
                "responses": {
                    **questionnaire_ok,
                    "400": outcome(
                        "Unknown language, or any query parameter but lang: this address "
                        "is not FHIR search, it gives the one Questionnaire"
                    ),
                    "404": outcome("FHIR is off: SCREENER_PUBLIC_URL is not set"),
                    **not_allowed,
                    **limits,
                },
            }
        },
        "/api/v1/fhir/Questionnaire/{id}": {
            "get": {
                "operationId": "fhirQuestionnaireById",
                "summary": "The same Questionnaire at its canonical url (FHIR's read)",
                "description": FHIR_OFF,
                "parameters": [id_parameter, language_parameter],
                "responses": {
                    **questionnaire_ok,
                    "400": outcome("Unknown language"),
                    "404": outcome(
                        "No Questionnaire with that id, or FHIR is off: SCREENER_PUBLIC_URL "
                        "is not set"
                    ),
                    **not_allowed,
                    **limits,
                },
            }
        },
        "/api/v1/fhir/QuestionnaireResponse/$evaluate": {
            "post": {
                "operationId": "fhirEvaluate",
                "summary": "Evaluate a QuestionnaireResponse; the result is an Observation",
                "description": "The answers mean what they mean on Screener's pages: a "
                "question left out or without an answer is unanswered, an answer to a "
                "follow-up the other answers do not ask is dropped. " + FHIR_OFF,
                "parameters": [language_parameter],
                "requestBody": {
                    "required": True,
                    "content": {
                        fhir.MEDIA_TYPE: request_content,
                        "application/json": request_content,
                    },
                },
                "responses": {
                    "200": {
                        "description": "The outcome and the reasons for it as an Observation; "
                        "for a person outside the scope, one with no value",
                        "content": fhir_json("Observation"),
                    },
                    "400": outcome(
                        "Not JSON, or JSON with a name twice in one object; not a "
                        "QuestionnaireResponse (another resource, a missing or unknown "
                        "status, items that are not a list of objects, an item without a "
                        "linkId, a subject or encounter that is not a Reference, an id that "
                        "is not a FHIR id, an authored that is not a FHIR dateTime); or an "
                        "unknown language"
                    ),
                    "404": outcome("FHIR is off: SCREENER_PUBLIC_URL is not set"),
                    **not_allowed,
                    **limits,
                    "413": outcome(f"Body larger than {fhir_api.MAX_BODY} bytes"),
                    "415": outcome(
                        "A Content-Type other than application/fhir+json or application/json"
                    ),
                    "422": outcome(
                        "A QuestionnaireResponse that does not fit this Questionnaire: to "
                        "another questionnaire or version, or naming none; an unknown linkId; "
                        "a question with two items or two answers; an answer that is not a "
                        "valueCoding of one of the question's options, or in another system, "
                        "or with a display that is not that option's label, or with another "
                        "value too; an answer to a display or group item; a scope question "
                        "unanswered; status entered-in-error; a modifierExtension or "
                        "implicitRules; a subject other than a Patient, Group, Device or "
                        "Location, an encounter other than an Encounter, or either a "
                        "resource contained in the response. At most "
                        f"{fhir.MAX_ISSUES} issues."
                    ),
                },
            }
        },
    }
    schemas = {
        "FhirQuestionnaire": questionnaire_schema,
        "FhirQuestionnaireItem": questionnaire_item,
        "FhirQuestionnaireResponse": response_schema,
        "FhirAnswerSystem": {
            "description": "The system of an answer's Coding: when given, the "
            "Questionnaire's canonical url (null counts as not given).",
            **({"enum": [canonical.answers, None]} if canonical else {"type": ["string", "null"]}),
        },
        "FhirNoModifierExtension": {
            "description": "Not allowed: Screener knows no modifier extension, so it cannot "
            "tell what the answers would mean (422).",
            "not": {},
        },
        "Observation": observation_schema,
        "OperationOutcome": outcome_schema,
    }
    return paths, schemas


def response_items(
    items: list[dict[str, Any]],
    system: dict[str, Any],
    labels: Mapping[str, Mapping[str, Iterable[str]]],
) -> dict[str, Any]:
    """The schema of a QuestionnaireResponse's items that answer these Questionnaire
    items: each at most once, a choice with one answer among its options (its display,
    if any, that option's label in an offered language; no other value), a required one
    answered, a group or display with none, their items nested as in the Questionnaire.
    Written out, not recursive: the Questionnaire is a few levels deep."""
    branches = []
    counts: list[dict[str, Any]] = []
    for item in items:
        link_id = {"const": item["linkId"]}
        nested = (
            response_items(item["item"], system, labels)
            if item.get("item")
            else {"type": "array", "maxItems": 0}
        )
        properties: dict[str, Any] = {
            "linkId": link_id,
            "answer": {"type": "array", "maxItems": 0},
            "item": nested,
            "modifierExtension": NO_MODIFIERS,
        }
        if item["type"] == "choice":
            # A question's own items go under its answer, as FHIR has them; display items
            # (its hint) may be echoed under the item too, but never a question twice.
            if any(child["type"] != "display" for child in item.get("item", [])):
                properties["item"] = {"type": "array", "maxItems": 0}
            codes = [option["valueCoding"]["code"] for option in item["answerOption"]]
            known = labels.get(item["linkId"], {})
            properties["answer"] = {
                "type": "array",
                "maxItems": 1,
                "items": {
                    "type": "object",
                    "required": ["valueCoding"],
                    "properties": {
                        "valueCoding": {
                            "type": "object",
                            "required": ["code"],
                            "properties": {"system": system, "code": {"enum": codes}},
                            # A display, when given, is that option's label in an
                            # offered language (null counts as not given).
                            "dependentSchemas": {
                                "display": {
                                    "oneOf": [
                                        {
                                            "properties": {
                                                "code": {"const": code},
                                                "display": {
                                                    "enum": [*sorted(known.get(code, ())), None]
                                                },
                                            }
                                        }
                                        for code in codes
                                    ]
                                }
                            },
                        },
                        "item": nested,
                        "modifierExtension": NO_MODIFIERS,
                    },
                    # valueCoding is its one value (value[x]): no valueString beside it
                    "propertyNames": {
                        "anyOf": [{"const": "valueCoding"}, {"not": {"pattern": "^value"}}]
                    },
                },
            }
        branches.append({"type": "object", "required": ["linkId"], "properties": properties})
        counts.append(
            {
                "contains": {"required": ["linkId"], "properties": {"linkId": link_id}},
                "minContains": 0,
                "maxContains": 1,
            }
        )
        if item["type"] == "choice" and item.get("required"):
            counts.append(
                {
                    "contains": {
                        "required": ["linkId", "answer"],
                        "properties": {"linkId": link_id, "answer": {"minItems": 1}},
                    }
                }
            )
    return {"type": "array", "items": {"oneOf": branches}, "allOf": counts}


def fhir_examples(
    ruleset: Ruleset, canonical: fhir.Canonical, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """QuestionnaireResponses to this server's Questionnaire (whose items are ``items``),
    from the rules file's own cases: the first case of each outcome, and a person
    outside the scope; their items nested as the Questionnaire's are."""
    named = f"{canonical.questionnaire}|{ruleset.version}"
    in_scope = {q.id: next(v for v in q.values if v in (q.in_scope or ())) for q in ruleset.scope}

    def answered(items: list[dict[str, Any]], asked: dict[str, str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for item in items:
            if item["type"] == "choice" and item["linkId"] in asked:
                coding = {"system": canonical.answers, "code": asked[item["linkId"]]}
                found.append({"linkId": item["linkId"], "answer": [{"valueCoding": coding}]})
            elif item["type"] == "group":
                inner = answered(item.get("item", []), asked)
                if inner:
                    found.append({"linkId": item["linkId"], "item": inner})
        return found

    def response(answers: dict[str, str], **elements: Any) -> dict[str, Any]:
        return {
            "resourceType": "QuestionnaireResponse",
            **elements,
            "questionnaire": named,
            "item": answered(items, engine.relevant_answers(ruleset, answers)),
        }

    examples: dict[str, Any] = {}
    for number, outcome in enumerate(ruleset.outcomes):
        case = next((c for c in ruleset.cases if c.outcome == outcome.id), None)
        if case is None:
            continue
        answers = {**in_scope, **engine.case_answers(ruleset, case)}
        elements: dict[str, Any] = {"status": "completed"}
        if number == 0:  # one with the elements that are copied to the Observation
            elements = {
                "id": "example",
                "status": "completed",
                "subject": {"reference": "Patient/example"},
                "encounter": {"reference": "Encounter/example"},
                "authored": "2026-01-31T09:30:00Z",
            }
        examples[f"case-{case.id}"] = {
            "summary": f"{case.description or case.id} ({outcome.id})",
            "value": response(answers, **elements),
        }
    for question in ruleset.scope:
        outside = next((v for v in question.values if v not in (question.in_scope or ())), None)
        if outside is not None:
            examples[f"outside-{question.id}"] = {
                "summary": "Outside the screening's scope: no outcome; the response in progress",
                "value": response({question.id: outside}, status="in-progress"),
            }
    return examples


def with_cors(response: Response) -> Response:
    """Let the embed allow-list, and only it, call the API from the browser."""
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["EMBED_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response


def http_problem(error: HTTPException) -> Response:
    """An HTTP error on an API address, as problem+json."""
    code = error.code or 500
    titles = {
        404: "Not found",
        405: "Method not allowed",
        413: "Too large",
        414: "Address too long",
        431: "Headers too large",
    }
    detail = {
        404: "No such API address; see /api/v1/openapi.json.",
        405: "This address does not take that method; see /api/v1/openapi.json.",
        413: f"Send at most {fhir_api.MAX_BODY if fhir_api.is_fhir_request() else MAX_BODY} "
        "bytes of JSON.",
        414: f"Send a path and query of at most {security.MAX_TARGET} bytes.",
        431: f"Send at most {security.MAX_HEADER_FIELDS} header fields and "
        f"{security.MAX_HEADER_BYTES} bytes of headers.",
    }.get(code, "The request could not be handled.")
    return with_allow(problem(code, titles.get(code, "Bad request"), detail), error)


def with_allow(response: Response, error: HTTPException) -> Response:
    """Name the methods an address takes on its 405 response (RFC 9110), HTML or JSON."""
    allow = getattr(error, "valid_methods", None)
    if allow:
        response.headers["Allow"] = ", ".join(allow)
    return response


bp.after_request(with_cors)


def init_app(app: Flask) -> None:
    """Attach the API; its errors become problem+json in the app's error handlers."""
    app.register_blueprint(bp)


def is_api_request() -> bool:
    """Whether the current request is for the API (its errors are problem+json)."""
    return request.path.startswith(bp.url_prefix or "/api/v1")
