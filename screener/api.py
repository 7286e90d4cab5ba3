"""The JSON API (/api/v1) for sites that build their own interface.

Stateless like the rest of Screener: a site fetches the questionnaire, asks
the questions itself, and posts the answers to be evaluated. Nothing is
stored or logged but the method, path, status and timing. Errors are
``application/problem+json`` (RFC 9457) and say what to fix.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from screener import engine, i18n, metrics, security
from screener.ruleset import BASES, AllOf, AnswerIn, AnyOf, Condition, Not, Question, Ruleset
from screener.screening import screening

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_BODY = 16 * 1024
PROBLEM_TYPES = "https://screener.invalid/problems/"


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem response."""
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
    document = openapi_document(screening().ruleset, tags)
    return Response(json.dumps(document), mimetype="application/json")


def openapi_document(ruleset: Ruleset, tags: list[str]) -> dict[str, Any]:
    """An OpenAPI 3.1 document that matches the implementation above."""
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
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Screener API",
            "version": "1",
            "description": "Contraindication screening: the questionnaire and the evaluation "
            "of answers. Stateless; nothing is stored.",
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
                        "emergency",
                        "questions",
                        "outcomes",
                        "outside",
                    ],
                    "properties": {
                        "ruleset": {"$ref": "#/components/schemas/Ruleset"},
                        "language": {"$ref": "#/components/schemas/Language"},
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
        413: f"Send at most {MAX_BODY} bytes of JSON.",
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
