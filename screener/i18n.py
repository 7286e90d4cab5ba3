"""Languages: which Screener offers, which one each request gets, and the rules in it.

A language is offered when its gettext catalog translates every message of
the interface and every text of the loaded rules file: a person never sees a
page that is half in one language and half in another, nor a question in a
language its answers are not in. The choice comes from the address
(``/es/...``, kept through the whole flow because every form posts to an
address with the same prefix), or for the API from ``?lang=``; otherwise from
the browser's ``Accept-Language``; otherwise the default (English, unless
``SCREENER_LANGUAGES`` says otherwise). No cookie is ever set.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import Translations
from flask import Flask, current_app, g, request
from flask_babel import Babel
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.routing import BaseConverter
from wtforms.i18n import messages_path

from screener.approvals import CHANGED, Approval
from screener.catalogs import (
    DOMAIN,
    Message,
    catalog_directories,
    fingerprint,
    found_codes,
    load_catalog,
    needed_messages,
    placeholder_values,
    review_standing,
    untranslated,
)
from screener.config import ConfigError
from screener.ruleset import PLACEHOLDER, Ruleset

log = logging.getLogger("screener")

# Where a request's language waits in its WSGI environ: (tag, whether Accept-Language chose it).
LANGUAGE_KEY = "screener.language"


@dataclass(frozen=True)
class Language:
    """A language people can choose, with its rules texts."""

    code: str  # gettext locale name, as in the catalogs' directories: "es", "pt_BR"
    tag: str  # BCP 47, as in lang="..." and in addresses: "es", "pt-BR"
    name: str  # its own name for itself: "Español"
    direction: str  # "ltr" or "rtl"
    ruleset: Ruleset  # the rules with their texts in this language
    # "source" for the rules file's own language, else where the translation's clinical
    # review stands: draft, in-review, approved, CHANGED or "not recorded".
    review: str
    catalog: Translations  # the interface's messages in this language (empty for the source)
    approval: Approval | None = None  # the clinician's approval of the translation that holds


@dataclass(frozen=True)
class Languages:
    """The languages an app offers, in the order they are listed; the first is the default."""

    offered: tuple[Language, ...]
    # Accept-Language headers already worked out (browsers send few different ones, and
    # each takes some parsing): bounded, and emptied when full. See _browsers_choice.
    negotiated: dict[str, Language] = field(default_factory=dict, compare=False, repr=False)

    @property
    def default(self) -> Language:
        """The language used when neither the address nor the browser picks one."""
        return self.offered[0]

    def by_tag(self, tag: str) -> Language | None:
        """The offered language with this tag (any case), if there is one."""
        for language in self.offered:
            if language.tag.lower() == tag.lower():
                return language
        return None

    def match(self, tag: str) -> Language | None:
        """The offered language for a tag: exactly (``es``), else by its language (``en``
        for ``en-GB``, ``es-MX`` for ``es``)."""
        return negotiate(self, [tag])


def _language(
    code: str,
    ruleset: Ruleset,
    review: str,
    catalog: Translations,
    approval: Approval | None = None,
) -> Language:
    locale = Locale.parse(code)
    name = locale.get_language_name(locale) or code
    return Language(
        code=code,
        tag=code.replace("_", "-"),
        name=name[:1].upper() + name[1:],
        direction=locale.text_direction,
        ruleset=ruleset,
        review=review,
        catalog=catalog,
        approval=approval,
    )


def load_languages(
    ruleset: Ruleset,
    directories: Sequence[Path],
    wanted: Sequence[str],
    emergency_number: str = "",
) -> Languages:
    """Every language whose catalogs are complete for this interface and these rules.

    ``wanted`` (``SCREENER_LANGUAGES``) picks and orders them; a wanted language
    that is missing or incomplete is a configuration error, and one that is merely
    found incomplete is left out with a warning. Each language's rules have their
    ``{emergency_number}`` filled: with ``emergency_number``, or when it is empty with
    "your local emergency number" in that language. Completeness and fingerprints are
    judged on the texts as written, so a catalog matches whatever number is set.
    """
    source = ruleset.language
    needed: set[Message] = needed_messages(ruleset)
    interface = Translations(domain=DOMAIN)
    complete = {
        source: _language(
            source,
            ruleset.filled(placeholder_values(emergency_number, interface)),
            "source",
            interface,
        )
    }
    problems: dict[str, str] = {}
    for code in sorted(found_codes(directories) - {source}):
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            problems[code] = "is not a locale Babel knows"
            continue
        catalog = load_catalog(directories, code)
        missing = untranslated(catalog, sorted(needed, key=str))
        if missing:
            problems[code] = (
                f"has no translation for {len(missing)} of {len(needed)} messages "
                f"(the first: {missing[0][:60]!r})"
            )
            continue
        now = fingerprint(catalog, ruleset, needed)
        review = review_standing(ruleset, code, now)
        if review.state == CHANGED:
            log.warning(
                "The %s translation is approved in %s for other texts or other rules than "
                "it has now (fingerprint %s): its pages say it has not been checked",
                code,
                ruleset.filename,
                now,
            )
        localized = ruleset.translated(code, catalog.gettext)
        changed = _changed_placeholders(ruleset, localized)
        if changed:
            problems[code] = f"changes the placeholders of {changed}"
            continue
        localized = localized.filled(placeholder_values(emergency_number, catalog))
        complete[code] = _language(code, localized, review.state, catalog, review.approval)

    chosen = []
    everything = Languages(tuple(complete.values()))
    for tag in wanted:
        found = everything.match(tag)
        if found is None:
            why = problems.get(tag.replace("-", "_"), "has no catalog")
            offered = ", ".join(language.tag for language in everything.offered)
            raise ConfigError(
                f"SCREENER_LANGUAGES: {tag!r} cannot be offered: its translation {why}; "
                f"offered: {offered}"
            )
        if found not in chosen:
            chosen.append(found)
    for code, why in problems.items():
        log.warning("Language %s is not offered: its translation %s", code, why)
    # Unless the setting says otherwise: every complete language, the source first.
    return Languages(tuple(chosen)) if chosen else everything


def _changed_placeholders(source: Ruleset, translated: Ruleset) -> str | None:
    """The first text whose translation drops, adds or misspells a ``{placeholder}``
    (such as the emergency number), named for the translator; None when none does."""
    for original, text in zip(source.texts(), translated.texts(), strict=True):
        before = sorted(PLACEHOLDER.findall(original.text))
        after = sorted(PLACEHOLDER.findall(text.text))
        if before != after:
            named = ", ".join("{" + name + "}" for name in before) or "none"
            return f"{original.role!r} ({named} in the original)"
    return None


# --------------------------------------------------------------------------- per request


def languages() -> Languages:
    """The current app's languages."""
    found: Languages = current_app.extensions["screener_languages"]
    return found


def chosen() -> Language | None:
    """The language the person chose explicitly (in the address, or ``?lang=`` for the API)."""
    language: Language | None = g.get("screener_language")
    return language


def current() -> Language:
    """The language of this request's page or response (worked out once per request)."""
    language: Language | None = g.get("screener_current")
    if language is None:
        picked = explicit = chosen()
        environ = request.environ
        if picked is None:
            picked = _browsers_choice(languages(), environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        language = g.screener_current = picked
        # For the response's Content-Language, and Vary when the browser chose it
        # (security.SecurityHeaders writes both).
        environ[LANGUAGE_KEY] = (language.tag, explicit is None)
    return language


_NEGOTIATED_MAX = 512


def _browsers_choice(offered: Languages, header: str) -> Language:
    """The language on offer an Accept-Language header picks, else the default."""
    found = offered.negotiated.get(header)
    if found is not None:
        return found
    accepted = [tag for tag, quality in parse_accept_header(header, LanguageAccept) if quality > 0]
    picked = negotiate(offered, accepted) or offered.default
    if len(offered.negotiated) >= _NEGOTIATED_MAX:
        offered.negotiated.clear()
    offered.negotiated[header] = picked
    return picked


def negotiate(offered: Languages, accepted: Iterable[str]) -> Language | None:
    """The first accepted language on offer, exactly (``es-MX``) or by language (``es``);
    None if none is.

    ``accepted`` is in the browser's order of preference, so ``en-US, es;q=0.5`` gives
    English (``en-GB``) rather than the exact match further down the list.
    """
    for tag in accepted:
        exact = offered.by_tag(tag)
        if exact is not None:
            return exact
        primary = tag.split("-")[0].split("_")[0].lower()
        for language in offered.offered:
            if language.code.split("_")[0].lower() == primary:
                return language
    return None


def rules() -> Ruleset:
    """The loaded rules, with their texts in this request's language and the emergency
    number filled in."""
    return current().ruleset


def choose(tag: str | None) -> None:
    """Record an explicit choice of language for this request (a tag already checked)."""
    if tag:
        _chosen(languages().match(tag))


def _chosen(language: Language | None) -> None:
    g.screener_language = language
    g.pop("screener_current", None)  # worked out again from the choice


def choose_from_path(path: str) -> None:
    """For pages drawn without a matching route (404, 405): the language in the address."""
    if chosen() is not None:
        return
    parts = path.strip("/").split("/")
    if parts[:1] == ["embed"]:
        parts = parts[1:]
    if parts and parts[0]:
        language = languages().by_tag(parts[0])
        if language is not None:
            _chosen(language)


def gettext(message: str, **variables: Any) -> str:
    """A text of Screener's in this request's language, from the catalog loaded at
    start-up (Flask-Babel would load the same files again, in every worker)."""
    text: str = current().catalog.gettext(message)
    return text % variables if variables else text


@cache
def wtforms_catalog(code: str) -> Translations:
    """WTForms' own messages in a language, read from disk once per process."""
    found = Translations.load(messages_path(), [code], domain="wtforms")
    return found if isinstance(found, Translations) else Translations(domain="wtforms")


def share_wtforms_catalog() -> None:
    """Hand Flask-WTF's i18n this request's WTForms catalog, so it need not read it again.

    Flask-WTF looks for it on the request before loading it from disk (which would
    otherwise happen on every form page).
    """
    request.wtforms_translations = wtforms_catalog(current().code)  # type: ignore[attr-defined]


def init_app(app: Flask, ruleset: Ruleset) -> Languages:
    """Load the catalogs, decide which languages to offer, and set Flask-Babel up."""
    directories = catalog_directories(app.config["TRANSLATIONS"])
    offered = load_languages(
        ruleset, directories, app.config["LANGUAGES"], app.config["EMERGENCY_NUMBER"]
    )
    app.extensions["screener_languages"] = offered
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in directories)
    app.config["BABEL_DEFAULT_LOCALE"] = offered.default.code
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    Babel(app, locale_selector=lambda: current().code)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # The templates' gettext reads the page language's catalog (the same catalogs
    # Flask-Babel reads, loaded once at start-up) instead of asking Flask-Babel to find
    # them again for each of a page's dozens of messages.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext,
        ngettext=lambda one, many, n: current().catalog.ngettext(one, many, n),
        newstyle=True,
    )

    tags = sorted((lang.tag for lang in offered.offered), key=len, reverse=True)

    class LanguageConverter(BaseConverter):
        """A path segment naming one of the offered languages, such as ``es``."""

        regex = "(?:" + "|".join(re.escape(t) for t in tags) + ")"

    app.url_map.converters["language"] = LanguageConverter
    return offered
