"""The self-screening pages: thin views that read the form, call the engine and render.

Every step after the start page is a POST carrying the answers token, so the
answers never appear in a URL or a cookie (see docs/design.md).
"""

from __future__ import annotations

import itertools
import logging
import traceback
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from screener import api, engine, i18n, metrics, pages, security
from screener.forms import question_form
from screener.ruleset import Question
from screener.screening import screening
from screener.state import TokenError

bp = Blueprint("screening", __name__)
log = logging.getLogger("screener")


@bp.url_value_preprocessor
def _language_in_address(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Pages under /<lang>/ are in that language, and so are the pages they lead to."""
    i18n.choose(values.pop("lang", None) if values else None)


class ExpiredAnswers(HTTPException):
    """The answers token is missing, tampered, expired or from other rules."""

    code = 400
    description = "expired"


# --------------------------------------------------------------------------- helpers


def _answers() -> dict[str, str]:
    """The answers in the posted token; 400 'expired' page if it cannot be used."""
    try:
        answers = screening().tokens.open(request.form.get("token", ""))
    except TokenError:
        raise ExpiredAnswers() from None
    rules = i18n.rules()
    if engine.answer_problems(rules, answers):
        raise ExpiredAnswers()
    return engine.relevant_answers(rules, answers)


def _posted_question(answers: dict[str, str]) -> Question:
    """The question named in the form, which must be asked with these answers."""
    ruleset = i18n.rules()
    question = ruleset.question_by_id.get(request.form.get("question", ""))
    if question is None or not engine.is_asked(question, answers):
        _bad_request()
    return question


def _bad_request() -> NoReturn:
    abort(400, description="unknown question")


def _seal(answers: dict[str, str]) -> str:
    return screening().tokens.seal(answers)


def _question_page(
    question: Question,
    answers: dict[str, str],
    *,
    review: bool = False,
    errors: list[str] | None = None,
    asked: list[Question] | None = None,
) -> str:
    """A question's page, with the answer already given selected (none after an error).

    ``asked``: the questions these answers lead to, when the caller has them already.
    """
    if asked is None:
        asked = engine.asked_questions(i18n.rules(), answers)
    selected = None if errors else answers.get(question.id)
    number = asked.index(question) + 1
    # This question's answer may still change (after Back or Change): count it as open.
    still_open = {qid: value for qid, value in answers.items() if qid != question.id}
    count = engine.question_count(i18n.rules(), still_open)
    exact = count.exact and count.fewest == count.most
    return _draw(
        "question.html",
        ("question", question.id, review, exact),
        token=_seal(answers),
        number=number,
        total=max(count.most, number),
        exact=exact,
        drawn_before=not selected and not errors,
        question=question,
        chosen=selected,
        errors=errors or [],
        review=review,
        step="question",
    )


def _draw(
    template: str,
    key: tuple[Any, ...],
    *,
    token: str | None,
    drawn_before: bool = True,
    number: int | None = None,
    total: int | None = None,
    **context: Any,
) -> str:
    """A page from the pages drawn at start-up, with this request's token, nonce,
    number and total put in; or drawn now when it has an answer selected or an error to
    show."""
    drawn = pages.find(_page_key(key)) if drawn_before and embed_host() is None else None
    if drawn is None:
        return render_template(template, token=token, number=number, total=total, **context)
    return pages.fill(drawn, token=token, nonce=security.nonce(), number=number, total=total)


def _page_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """What else a pre-drawn page depends on: its language, and the address it is under."""
    chosen = i18n.chosen()
    return (*key, i18n.current().tag, chosen.tag if chosen else None, is_embed())


def _check_page(answers: dict[str, str], asked: list[Question]) -> str:
    rows = [(q, q.label(answers[q.id])) for q in asked]
    return render_template("check.html", rows=rows, token=_seal(answers), step="check")


def _after(
    answers: dict[str, str], current: Question | None, *, review: bool, ended: bool = False
) -> str:
    """The page after ``current``: the page saying the screening is not for this person
    when a scope answer says so, else the next question in order, or the check page when
    done. ``ended``: an answer was just given, so a screening that ends here is counted."""
    ruleset = i18n.rules()
    outside = engine.outside_scope(ruleset, answers)
    if outside is not None:
        return _outside_page(engine.OutsideScope(outside, answers), ended=ended)
    asked, pending = engine.progress(ruleset, answers)
    if pending is None:
        return _check_page(answers, asked)
    if review:
        return _question_page(pending, answers, review=True, asked=asked)
    if current is None:
        return _question_page(asked[0], answers, asked=asked)
    position = ruleset.flow.index(current)
    later = next((q for q in asked if ruleset.flow.index(q) > position), None)
    return _question_page(later or pending, answers, asked=asked)


# --------------------------------------------------------------------------- pages


@bp.get("/")
def start() -> str:
    """The start page: what this is, what it is not, privacy, emergencies."""
    return _start_page(None)


@bp.post("/start")
def begin() -> str:
    """Start, or resume when coming back from the first question with answers in hand."""
    posted = bool(request.content_length) and bool(request.form.get("token"))
    return _after(_answers() if posted else {}, None, review=False)


@bp.post("/answer")
def answer() -> str:
    """Record one answer, drop follow-ups it makes irrelevant, and show what comes next."""
    answers = _answers()
    question = _posted_question(answers)
    review = request.form.get("review") == "1"
    given = request.form.get("answer")
    if given not in question.values:
        # Missing or not an option: the question's WTForms form words what is wrong. (An
        # option needs no form: the form would accept exactly these values and no other.)
        i18n.share_wtforms_catalog()
        form = question_form(question, formdata=request.form)
        form.validate()
        errors = [str(e) for e in form.answer.errors] or [form.answer.problem()]
        return _question_page(question, answers, review=review, errors=errors)
    answers = engine.relevant_answers(i18n.rules(), {**answers, question.id: given})
    return _after(answers, question, review=review, ended=True)


@bp.post("/back")
def back() -> str:
    """The page before: the previous question (or the start page), or Check your answers
    when the question was reached with a Change button."""
    answers = _answers()
    if request.form.get("review") == "1":
        return _after(answers, None, review=True)
    current = request.form.get("question") or None
    if current is not None:
        current = _posted_question(answers).id
    previous = engine.previous_question(i18n.rules(), answers, current)
    if previous is None:
        return _start_page(answers)
    return _question_page(previous, answers)


def _start_page(answers: dict[str, str] | None) -> str:
    """The start page; with answers in hand when the person came back to it."""
    token = _seal(answers) if answers is not None else None
    return _draw("start.html", ("start", token is not None), token=token, step="start")


# A question with its hint, read and answered: about what people took on the first
# version's pages (13 to 15 questions in about 3 minutes).
SECONDS_PER_QUESTION = 12


def estimate() -> dict[str, int]:
    """What the start page says of the length: the fewest and most questions a person
    inside the scope is asked, and about how many minutes that takes (whole minutes, at
    least one)."""
    count = engine.question_count(i18n.rules())
    fewest = max(1, round(count.fewest * SECONDS_PER_QUESTION / 60))
    most = max(fewest, -(-count.most * SECONDS_PER_QUESTION // 60))
    return {"fewest": count.fewest, "most": count.most, "low": fewest, "high": most}


@bp.post("/change")
def change() -> str:
    """Ask an answered question again, from the check page."""
    answers = _answers()
    return _question_page(_posted_question(answers), answers, review=True)


@bp.post("/check")
def check() -> str:
    """Check your answers (or the next unanswered question if some remain)."""
    return _after(_answers(), None, review=True)


@bp.post("/result")
def result() -> str:
    """The outcome, its reasons and next steps, once every asked question is answered;
    never an outcome for answers outside the screening's scope."""
    return _result_page(_answers())


def _channel() -> str:
    """Where the screening was done, for the metrics: kiosk, embed or web."""
    return "kiosk" if current_app.config["KIOSK"] else "embed" if is_embed() else "web"


def _result_page(answers: dict[str, str]) -> str:
    """The result for complete answers; the next question while some are missing, and
    the out-of-scope page when a scope answer says the screening is not for them."""
    ruleset = i18n.rules()
    asked, pending = engine.progress(ruleset, answers)
    if pending is not None:
        return _after(answers, None, review=True)
    screened = engine.screen(ruleset, answers)
    if isinstance(screened, engine.OutsideScope):
        return _outside_page(screened, ended=True)
    metrics.completed(screened.outcome.id, _channel())
    log.info("screening completed: outcome %s", screened.outcome.id)
    return render_template(
        "result.html",
        kiosk_idle=current_app.config["KIOSK_RESULT_IDLE"],
        result=screened,
        answered=[(q, q.label(answers[q.id])) for q in asked],
        screened_at=screening().now(),
        step="result",
    )


def _outside_page(outside: engine.OutsideScope, *, ended: bool) -> str:
    """The page that says this screening is not made for the person: no outcome at all,
    what to do instead, and a way back to the answer that said so. ``ended``: reached by
    answering (not by the language switch), so counted and logged, like a result."""
    if ended:
        metrics.outside_scope(_channel())
        log.info("screening ended: outside scope")
    return render_template(
        "outside.html",
        kiosk_idle=current_app.config["KIOSK_RESULT_IDLE"],
        outside=i18n.rules().outside,
        token=_seal(dict(outside.answers)),
        step="outside",
    )


@bp.post("/show")
def show() -> str:
    """The page the person is on, again: what the language switch posts to."""
    answers = _answers()
    step = request.form.get("step")
    if step == "start":
        return _start_page(answers)
    if step == "question":
        review = request.form.get("review") == "1"
        return _question_page(_posted_question(answers), answers, review=review)
    return _after(answers, None, review=True)


@bp.post("/renew")
def renew() -> Response:
    """Kiosk: the person asked for more time, so give their answers a new lifetime."""
    answers = _answers()
    return jsonify(token=_seal(answers))


@bp.get("/finish")
def finish() -> WerkzeugResponse:
    """Leave nothing behind: clear the site's data in this browser and go to the start.

    The start page is the default one: the next person may not read the last one's language.
    """
    response = redirect(url_for(f"{'embed' if is_embed() else 'screening'}.start"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """For monitoring: the service is up, and which rules it serves."""
    ruleset = screening().ruleset
    return jsonify(
        status="ok",
        ruleset={"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256},
        kiosk=bool(current_app.config["KIOSK"]),
    )


# --------------------------------------------------------------------------- app-wide


def _reject_cross_site() -> None:
    """Refuse form posts that another site's page made the browser send."""
    if request.method in ("GET", "HEAD", "OPTIONS") or api.is_api_request():
        # The API is a pure function of what is posted, with no cookies or state to
        # ride on; browsers may call it from the embed allow-list (CORS).
        return
    environ = request.environ
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        if site not in ("same-origin", "none"):
            abort(403)
        return
    # Host only: behind a proxy that ends TLS the scheme seen here may differ.
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and urlsplit(origin).netloc != request.host:
        abort(403)


_PROBLEMS = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    413: "too_large",
    414: "too_large",  # an address too long
    431: "too_large",  # headers too large
    500: "server_error",
}


def _problem_page(error: HTTPException) -> Response:
    if api.is_api_request():
        return api.with_cors(api.http_problem(error))
    code = error.code or 500
    i18n.choose_from_path(request.path)
    kind = "expired" if isinstance(error, ExpiredAnswers) else _PROBLEMS.get(code, "bad_request")
    page = render_template("problem.html", kind=kind, code=code)
    return api.with_allow(Response(page, status=code), error)


def _places(error: BaseException | None) -> list[str]:
    """Where an exception passed, outermost first, as file:line (no values, no messages)."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames]


def _no_tracebacks(record: logging.LogRecord) -> bool:
    """Keep Screener's log lines, without any traceback (its values could hold an answer)."""
    if record.exc_info:
        error = record.exc_info[1]
        where = " < ".join(_places(error)[-3:])
        record.msg = f"{record.getMessage()} ({type(error).__name__} at {where})"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
    return True


def log_failure(error: BaseException | None) -> None:
    """Where it failed, but not the exception's message or values: they could hold an answer."""
    where = " < ".join(reversed(_places(error)))
    log.error(
        "unhandled %s on %s %s at %s", type(error).__name__, request.method, request.path, where
    )


def _server_error(error: Exception) -> tuple[str, int] | Response:
    log_failure(error)
    if api.is_api_request():
        return api.with_cors(api.problem(500, "Server error", "Something went wrong; try again."))
    i18n.choose_from_path(request.path)
    return render_template("problem.html", kind="server_error", code=500), 500


def is_embed() -> bool:
    """Whether this request is for the embed pages (framed by a host site)."""
    return request.path == "/embed" or request.path.startswith("/embed/")


def embed_host() -> str | None:
    """The embedding site's origin, when it is on the allow-list; else None."""
    if not is_embed():
        return None
    try:
        host = request.form.get("host") or request.args.get("host")
    except HTTPException:  # an oversized or malformed body: its error page is being drawn
        host = request.args.get("host")
    return host if host in current_app.config["EMBED_ORIGINS"] else None


def flow(name: str, language: i18n.Language | None = None, **values: Any) -> str:
    """The address of a step of the flow: the embed one on embed pages, and in the
    language chosen in the address (or ``language``) when there is one."""
    blueprint = "embed" if is_embed() else "screening"
    language = language or i18n.chosen()
    if language is None or name == "finish":  # finishing leads to the default start page
        return url_for(f"{blueprint}.{name}", **values)
    return url_for(f"{blueprint}_in.{name}", lang=language.tag, **values)


def embed_loader() -> Response:
    """The loader a host page includes with one script tag (read once, at start-up)."""
    loader = current_app.extensions["screener_assets"].embed_loader
    response = Response(loader.body, mimetype=loader.mimetype)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _draw_pages() -> dict[pages.Key, str]:
    """Every question page and start page in this request's language and address prefix,
    with slots for the token, the nonce and the number (see screener/pages.py)."""
    slots: dict[str, Any] = {"csp_nonce": pages.NONCE_SLOT, "chosen": None, "errors": []}
    drawn = {}
    for question in i18n.rules().flow:
        for review, exact in itertools.product((False, True), repeat=2):
            drawn[_page_key(("question", question.id, review, exact))] = render_template(
                "question.html",
                question=question,
                token=pages.TOKEN_SLOT,
                number=pages.NUMBER_SLOT,
                total=pages.TOTAL_SLOT,
                exact=exact,
                review=review,
                step="question",
                **slots,
            )
    for token in (None, pages.TOKEN_SLOT):
        drawn[_page_key(("start", token is not None))] = render_template(
            "start.html", token=token, step="start", **slots
        )
    return drawn


def draw_pages(app: Flask) -> None:
    """Draw the pages kept from start-up, under every prefix and in every language."""
    paths: list[tuple[str, str | None]] = []
    for prefix in ("", "/embed"):
        for language in app.extensions["screener_languages"].offered:
            paths += [(prefix, language.tag), (f"{prefix}/{language.tag}", None)]
    pages.draw_all(app, _draw_pages, paths)


def init_app(app: Flask) -> None:
    """Attach the pages (also under /embed), the cross-site guard, headers and error pages."""
    security.init_app(app)
    # Flask's own last-resort logs (a failure inside an error page or an after-request
    # hook) would print the whole traceback, values and all: log where, not what.
    app.log_exception = lambda exc_info: log_failure(exc_info[1])  # type: ignore[method-assign]
    if _no_tracebacks not in app.logger.filters:
        app.logger.addFilter(_no_tracebacks)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="embed", url_prefix="/embed")
    app.register_blueprint(bp, name="screening_in", url_prefix="/<language:lang>")
    app.register_blueprint(bp, name="embed_in", url_prefix="/embed/<language:lang>")
    app.add_url_rule("/embed.js", "embed_loader", embed_loader)
    limit = app.config["MAX_CONTENT_LENGTH"]

    def first_checks() -> None:
        """Before any view: the request's size (security.refuse_oversized), then where
        a form post comes from."""
        security.refuse_oversized(limit)
        _reject_cross_site()

    app.before_request(first_checks)
    app.register_error_handler(HTTPException, _problem_page)
    app.register_error_handler(Exception, _server_error)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "ruleset": i18n.rules(),
            "language": i18n.current(),
            "languages": i18n.languages().offered,
            "emergency_number": app.config["EMERGENCY_NUMBER"],
            "embed": is_embed(),
            "embed_host": embed_host(),
            "flow": flow,
            "estimate": estimate,
        }
