"""The FHIR face of the API (/api/v1/fhir): the Questionnaire, and ``$evaluate`` of a
QuestionnaireResponse into an Observation. Thin: :mod:`screener.fhir` does the mapping.

Part of the JSON API's blueprint, so ``?lang=``, CORS for the embed allow-list and the
size limits apply as there; every error is an OperationOutcome. Nothing is stored or
logged but the method, path, status and timing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from screener import engine, fhir, i18n, metrics
from screener.screening import screening

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

# Twice the largest honest response measured: every default question answered, in
# Spanish, indented by four, with each text and display a renderer copies in (15.8 KB).
MAX_BODY = 32 * 1024

# HTTP status to FHIR issue type, for errors that are not about a request's content.
ISSUE_TYPES = {
    400: "invalid",
    404: "not-found",
    405: "not-supported",
    413: "too-long",
    414: "too-long",
    415: "not-supported",
    431: "too-long",
    500: "exception",
}


def resource(body: dict[str, Any], status: int = 200) -> Response:
    """A FHIR resource as ``application/fhir+json``."""
    response = Response(json.dumps(body, ensure_ascii=False), status=status)
    response.headers["Content-Type"] = f"{fhir.MEDIA_TYPE}; charset=utf-8"
    return response


def outcome(status: int, issues: list[fhir.Issue]) -> Response:
    """An OperationOutcome response; its diagnostics are for developers, in English."""
    response = resource(fhir.operation_outcome(issues), status)
    response.headers["Content-Language"] = "en"
    return response


def error(status: int, detail: str) -> Response:
    """One error, as an OperationOutcome, with the issue type for its HTTP status."""
    return outcome(status, [fhir.Issue(ISSUE_TYPES.get(status, "processing"), detail)])


def canonical() -> fhir.Canonical | None:
    """The ruleset's FHIR addresses, or None when no public address is configured."""
    public = current_app.config.get("PUBLIC_URL")
    return fhir.Canonical.of(public, screening().ruleset) if public else None


NOT_CONFIGURED = (
    "FHIR is off on this server: its canonical addresses need the public address it "
    "is served at. Set SCREENER_PUBLIC_URL (see docs/fhir.md)."
)


@bp.get("/Questionnaire")
def questionnaire() -> Response:
    """The rules as an SDC Questionnaire, texts in the request's language.

    Not FHIR's search: it gives the one Questionnaire itself. So that a client that
    searches (``?url=...``) is not handed it as a match, any parameter but ``lang`` is
    a 400."""
    addresses = canonical()
    if addresses is None:
        return error(404, NOT_CONFIGURED)
    unknown = sorted(set(request.args) - {"lang"})
    if unknown:
        return outcome(
            400,
            [
                fhir.Issue(
                    "not-supported",
                    f"This address takes no {unknown[0]!r}: it is not FHIR search. It gives "
                    "the one Questionnaire this server has, also at its canonical address, "
                    f"{addresses.questionnaire}; only lang picks its language.",
                )
            ],
        )
    return resource(questionnaire_document(addresses))


@bp.get("/Questionnaire/<resource_id>")
def questionnaire_by_id(resource_id: str) -> Response:
    """The same Questionnaire at its canonical address (FHIR's read)."""
    addresses = canonical()
    if addresses is None:
        return error(404, NOT_CONFIGURED)
    if resource_id != addresses.resource_id:
        return error(
            404, f"No Questionnaire {resource_id!r}; this server has {addresses.resource_id!r}."
        )
    return resource(questionnaire_document(addresses))


def questionnaire_document(addresses: fhir.Canonical) -> dict[str, Any]:
    """The Questionnaire in the request's language, the others as translations; active
    only when the rules and this language's texts have both passed clinical review."""
    language = i18n.current()
    source = screening().ruleset
    approved = reviewed()
    # An active Questionnaire carries only translations a clinician has checked: a
    # renderer showing one gives no warning that it was not. A draft says so itself.
    others = {
        other.tag: other.ruleset
        for other in i18n.languages().offered
        if other is not language and (not approved or other.review in ("source", "approved"))
    }
    return fhir.questionnaire(
        language.ruleset,
        addresses,
        language=language.tag,
        approved=approved,
        translations=others,
        source_language=source.language.replace("_", "-"),
    )


def reviewed() -> bool:
    """Whether the rules and the request's language have both passed clinical review."""
    source = screening().ruleset
    return source.approval is not None and i18n.current().review in ("source", "approved")


def option_labels() -> dict[str, dict[str, frozenset[str]]]:
    """Each question's option labels in every offered language, by question and value."""
    labels: dict[str, dict[str, set[str]]] = {}
    for language in i18n.languages().offered:
        for question in language.ruleset.flow:
            for option in question.options:
                labels.setdefault(question.id, {}).setdefault(option.value, set()).add(option.label)
    return {q: {v: frozenset(ls) for v, ls in by.items()} for q, by in labels.items()}


@bp.post("/QuestionnaireResponse/$evaluate")
def evaluate() -> Response:
    """Evaluate a QuestionnaireResponse to the Questionnaire; the result is an Observation."""
    addresses = canonical()
    if addresses is None:
        return error(404, NOT_CONFIGURED)
    too_large = f"Send at most {MAX_BODY} bytes of JSON."
    if request.content_length is not None and request.content_length > MAX_BODY:
        return error(413, too_large)
    if request.mimetype not in (fhir.MEDIA_TYPE, "application/json"):
        return error(
            415, f'Send the QuestionnaireResponse as JSON, "Content-Type: {fhir.MEDIA_TYPE}".'
        )
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return error(413, too_large)
    try:
        body = json.loads(raw, object_pairs_hook=_no_repeated_names)
    except RepeatedName as e:
        return outcome(
            400, [fhir.Issue("structure", f"The name {e.name!r} appears twice in one object.")]
        )
    except (ValueError, UnicodeDecodeError) as e:
        return outcome(400, [fhir.Issue("structure", f"The body is not valid JSON: {e}.")])
    except RecursionError:
        return outcome(400, [fhir.Issue("structure", "The body is nested too deeply.")])
    ruleset = i18n.rules()
    try:
        response = fhir.read_response(body, ruleset, addresses, option_labels())
        screened = engine.screen(ruleset, response.answers)
    except fhir.ResponseError as e:
        return outcome(e.status, list(e.issues))
    except engine.AnswerError as e:  # a scope question left unanswered
        return outcome(
            422,
            [
                fhir.Issue("required", problem, "QuestionnaireResponse.item")
                for problem in e.problems
            ],
        )
    if isinstance(screened, engine.OutsideScope):
        metrics.outside_scope("fhir")
    else:
        metrics.completed(screened.outcome.id, "fhir")
    issued = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = fhir.observation(
        ruleset,
        addresses,
        screened,
        response,
        language=i18n.current().tag,
        issued=issued,
        review="approved" if reviewed() else "draft",
    )
    return resource(body)


class RepeatedName(ValueError):
    """A JSON object that names one member twice: FHIR's JSON forbids it, and which one
    counts would be up to the reader."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name[:64]


def _no_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise RepeatedName(name)
        found[name] = value
    return found


def is_fhir_request() -> bool:
    """Whether the current request is for the FHIR face (its errors are OperationOutcomes)."""
    return request.path.startswith("/api/v1/fhir/") or request.path == "/api/v1/fhir"
