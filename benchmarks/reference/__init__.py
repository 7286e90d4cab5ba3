"""The load benchmark's reference: a bare Flask app drawing a page like Screener's.

It does what any Flask site does for such a page (route, read the form, render
a Jinja template of the same shape and size as Screener's question page) and
nothing Screener adds: no answers token to open and seal, no translations, no
rules, no WTForms, no security headers. ``benchmarks/load.py`` serves it with
the same server and worker count as Screener, so the ratio between the two is
the cost of what Screener adds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, abort, render_template, request

QUESTIONS = [
    ("fever", "Do you have a fever or chills, or feel hot and shivery, right now?"),
    ("severe_pain", "Do you have severe pain in your pelvis, bottom, genitals or lower back?"),
    ("cannot_urinate", "Are you unable to pass urine (pee), or passing only a few drops?"),
]
OPTIONS = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]
FILLER = "AgAAAAB" + "x" * 577  # a hidden field as long as Screener's answers token (584)


def create_app() -> Flask:
    """The reference app, with the settings screener.server.run reads."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config.update(METRICS_PORT=None, METRICS_HOST="127.0.0.1", FORWARDED_ALLOW_IPS="127.0.0.1")

    def page(number: int) -> str:
        qid, text = QUESTIONS[number % len(QUESTIONS)]
        context: dict[str, Any] = {"qid": qid, "text": text, "number": number + 1}
        return render_template("question.html", options=OPTIONS, filler=FILLER, **context)

    @app.get("/")
    def start() -> str:
        return render_template("start.html")

    @app.post("/start")
    def begin() -> str:
        return page(0)

    @app.post("/answer")
    def answer() -> str:
        if request.form.get("answer") not in {"yes", "no", "unsure"}:
            abort(400)
        position = [q for q, _ in QUESTIONS].index(request.form.get("question", "fever"))
        return page(position + 1)

    return app
