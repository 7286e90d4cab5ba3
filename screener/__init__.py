"""Screener: a contraindication screening questionnaire driven by a clinician-reviewed rules file.

``create_app`` builds the web application; ``flask --app screener run`` finds it.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import Flask

from screener import config as settings
from screener.resources import data_dir, default_rules_path, load_ruleset
from screener.screening import Screening
from screener.state import MAX_TOKEN_LENGTH, CipherUnavailable, TokenBox, padded_length

__all__ = ["create_app"]

log = logging.getLogger("screener")


class Screener(Flask):
    """Flask, with the router's own redirects (``/es`` to ``/es/``) made relative.

    The router builds them as absolute addresses from the request's Host header, in
    their Location and their body; here they name the same path and no host at all.
    """

    def raise_routing_exception(self, request: Any) -> NoReturn:
        from werkzeug.routing import RequestRedirect

        from screener.security import relative_location

        error = request.routing_exception
        if isinstance(error, RequestRedirect):
            error.new_url = relative_location(error.new_url)
        super().raise_routing_exception(request)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from defaults, ``SCREENER_*`` variables and then ``test_config``.

    Raises ``config.ConfigError`` for a setting Screener cannot use. Keys from the
    environment must be strong (``config.secret_key_problem``); keys in ``test_config``
    are taken as they are, for tests.
    """
    app = Screener(__name__, template_folder=str(data_dir("templates")))
    app.config.update(settings.defaults())
    app.config.update(settings.from_environ(os.environ))
    if test_config:
        app.config.update(test_config)
    if app.config["ANSWERS_TTL"] is None:
        app.config["ANSWERS_TTL"] = 900 if app.config["KIOSK"] else 1800
    if not app.config.get("SECRET_KEY"):
        log.warning(
            "SCREENER_SECRET_KEY is not set: using a random key for development. "
            "Answers in progress are lost on restart and cannot move between processes."
        )
        app.config["SECRET_KEY"] = secrets.token_urlsafe(32)
    # A screening page posts a token and a few short fields; refuse anything much bigger.
    if app.config["MAX_CONTENT_LENGTH"] is None:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["MAX_FORM_PARTS"] = min(app.config["MAX_FORM_PARTS"], 100)

    ruleset = load_ruleset(app.config["RULES"] or default_rules_path())
    # The number the texts give: the setting, else the one of the rules' region.
    number = app.config["EMERGENCY_NUMBER"]
    try:
        app.config["EMERGENCY_NUMBER"] = (
            settings.phone_number(number)
            if number
            else settings.emergency_number_for(ruleset.language)
        )
    except settings.ConfigError as e:
        raise settings.ConfigError(f"{settings.PREFIX}EMERGENCY_NUMBER: {e}") from None
    # Every token is padded to the longest answers, so its length tells nothing.
    longest = {q.id: max(q.values, key=len) for q in ruleset.flow}
    try:
        tokens = TokenBox(
            app.config["SECRET_KEY"],
            ruleset_sha256=ruleset.sha256,
            ttl_seconds=int(app.config["ANSWERS_TTL"]),
            fallbacks=app.config["SECRET_KEY_FALLBACKS"],
            padded_to=padded_length(longest),
        )
    except CipherUnavailable as e:
        raise settings.ConfigError(str(e)) from e
    if len(tokens.seal(longest)) > MAX_TOKEN_LENGTH:
        raise settings.ConfigError(
            f"{ruleset.filename}: with {len(ruleset.flow)} questions the answers no longer "
            "fit in a page's answers token; split the screening"
        )
    app.extensions["screener"] = Screening(
        ruleset=ruleset, tokens=tokens, timezone=ZoneInfo(app.config["TIMEZONE"])
    )

    from screener import api, assets, i18n, metrics, seo, views

    i18n.init_app(app, ruleset)
    metrics.init_app(app)
    assets.init_app(app)
    seo.init_app(app)
    views.init_app(app)
    api.init_app(app)
    views.draw_pages(app)
    return app
