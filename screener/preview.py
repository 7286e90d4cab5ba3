"""The live preview for rule authors: the app served from a rules file as it is being
edited, reloaded when the file is saved, with what ``screener check`` finds in a banner.

``screener preview`` builds the app as ``screener serve --dev`` does and serves it on
127.0.0.1 only (an author's draft clinical texts stay on their machine). Before each
request the preview compares the rules file's and the compiled catalogs' size, time and
inode with what it last loaded (a few ``stat`` calls); when one has changed it builds a
new app from them, checks it, and serves it from then on. Nothing watches the files
between requests: the page the author loads after saving is always drawn from what was
saved.

Each reload runs what ``screener check`` runs by default: the file's validation, the
proof on decision diagrams (hundredths of a second for the default rules, under a
second at 240 questions), the approvals' fingerprints and the readability measures.
The enumerating oracle (``check --exhaustive``) is never run. Building the app again
costs more than checking it: a reload of the default rules takes about a second.

A file that does not load, or that the app cannot be built from, leaves the last good
app serving: the banner then says so and lists why, ``file:line`` first. A file that
loads but has findings is served, with the findings in the banner, so the author can
walk through what they describe (``screener serve`` would refuse it).

Pages are never taken from the ones drawn at start-up (``screener.pages``): the banner
changes without the app changing (the file broken, then fixed), so every page is drawn
for its request. One request at a time reloads, under a lock; the others that saw the
change wait for it, and so get the new pages. The swap is one assignment of an
immutable pair (the app and its status), and a request keeps the app it started with,
so a request in progress finishes on the app it began on.

Each build uses the same secret key: a token from before a reload still opens when the
file's content is unchanged, and one sealed for other rules gets the usual "Your
answers have expired" page (answers tokens are bound to the ruleset's sha256).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from screener import verify
from screener.catalogs import DOMAIN, catalog_directories, stale_approvals
from screener.config import ConfigError
from screener.ruleset import Ruleset, RulesetError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

HOST = "127.0.0.1"  # never any other: the preview shows drafts to their author only
STYLESHEET = Path(__file__).resolve().parent / "static" / "preview.css"

Signature = tuple[tuple[str, int, int, int] | None, ...]


@dataclass(frozen=True)
class Notice:
    """One thing ``screener check`` found: where (``file:line``, when it has a place),
    what, and the simplest answers that show it, when there are some."""

    where: str | None
    message: str
    example: str | None = None

    def describe(self) -> str:
        """One line for the terminal, as ``screener check`` prints it."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        return text + (f"\n    for example: {self.example}" if self.example is not None else "")


@dataclass(frozen=True)
class Status:
    """What the banner says: the file, the version the pages show and when it was loaded,
    whether the file as saved now is broken, and what ``screener check`` finds."""

    file: str
    version: str
    loaded_at: str
    broken: bool = False
    errors: tuple[Notice, ...] = ()
    warnings: tuple[Notice, ...] = ()


def shown_path(path: Path) -> str:
    """The rules file's name as the banner and the terminal show it: relative to the
    directory the preview was started in when it lies inside it."""
    relative = os.path.relpath(path.absolute())
    return relative if not relative.startswith(os.pardir) else str(path)


def findings(
    ruleset: Ruleset, file: str, directories: Sequence[Path]
) -> tuple[list[Notice], list[Notice]]:
    """What ``screener check`` finds in a ruleset that loaded, with the catalogs in
    ``directories``: the errors (the proof's findings, stale approvals and the
    readability findings it enforces) and the warnings (readability findings in
    languages whose limits are only reported)."""
    from screener.cli import readability_results

    found = [*verify.verify(ruleset).findings, *stale_approvals(ruleset, directories)]
    errors = [_from_finding(f, file) for f in found]
    warnings: list[Notice] = []
    for result in readability_results(ruleset):
        target = errors if result.limits.enforced else warnings
        target.extend(_from_finding(f, file) for f in result.findings)
    return errors, warnings


def _from_finding(finding: verify.Finding, file: str) -> Notice:
    example = None
    if finding.answers is not None:
        example = ", ".join(f"{q}={v}" for q, v in finding.answers.items()) or "(no answers)"
    return Notice(
        f"{file}:{finding.line}", f"[{finding.check}] {finding.subject}: {finding.message}", example
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _Heard(logging.Handler):
    """Keeps the warnings Screener logs while an app is built (a language left out,
    a translation changed since its review), for the banner."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Preview:
    """The preview of one rules file: a WSGI app that serves the last good build of it,
    rebuilding it when the file (or a compiled catalog) changes on disk."""

    def __init__(self, path: Path, overrides: Mapping[str, Any], translations: Sequence[str]):
        self.path = path
        self.file = shown_path(path)
        # Every build: the same settings and key, this file.
        self.overrides: dict[str, Any] = {**overrides, "RULES": self.file}
        self.directories = catalog_directories(translations)
        self._lock = threading.Lock()
        self._heard = _Heard()
        logging.getLogger("screener").addHandler(self._heard)
        self._seen = self.signature()
        self._current: tuple[WSGIApplication, Status] | None = None

    def close(self) -> None:
        """Stop listening to Screener's log (for a preview built and dropped in a test)."""
        logging.getLogger("screener").removeHandler(self._heard)

    # ------------------------------------------------------------------ files

    def watched(self) -> Iterable[Path]:
        """The files a build reads that an author edits: the rules file and the compiled
        catalogs (``make i18n`` writes them from the .po files)."""
        yield self.path
        for directory in self.directories:
            if directory.is_dir():
                yield from sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))

    def signature(self) -> Signature:
        """What the watched files look like now: each one's name, size, time and inode."""
        seen: list[tuple[str, int, int, int] | None] = []
        for path in self.watched():
            try:
                stat = path.stat()
            except OSError:
                seen.append(None)
            else:
                seen.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino))
        return tuple(seen)

    # ------------------------------------------------------------------ building

    def start(self, app: Flask) -> Flask:
        """Serve ``app``, the first build (``create_app(self.overrides)``), through the
        preview, and return it: its WSGI entry now serves whichever build is current."""
        heard = list(self._heard.messages)  # logged while the caller built it
        status = self._checked(app, heard)
        self._current = (self._prepared(app), status)
        app.wsgi_app = self  # type: ignore[method-assign]
        self._report(status, reloaded=False)
        return app

    def _build(self) -> tuple[Flask, list[str]]:
        from screener import create_app

        self._heard.messages.clear()
        app = create_app(self.overrides)
        return app, list(self._heard.messages)

    def _checked(self, app: Flask, heard: list[str]) -> Status:
        """The status of a build that succeeded."""
        ruleset: Ruleset = app.extensions["screener"].ruleset
        errors, warnings = findings(ruleset, self.file, self.directories)
        warnings += [Notice(None, message) for message in heard]
        return Status(
            file=self.file,
            version=f"{ruleset.version} ({ruleset.short_hash})",
            loaded_at=time.strftime("%H:%M:%S"),
            errors=tuple(errors),
            warnings=tuple(warnings),
        )

    def _prepared(self, app: Flask) -> WSGIApplication:
        """Make a build a preview: the banner on every page, its style, no pre-drawn pages.
        Returns the build's own WSGI entry."""
        from screener.assets import Asset

        app.extensions.pop("screener_pages", None)  # drawn for each request instead
        assets = app.extensions["screener_assets"]
        css = assets.stylesheet.body + b"\n/* Preview */\n" + STYLESHEET.read_bytes()
        app.extensions["screener_assets"] = replace(
            assets, stylesheet=Asset(assets.stylesheet.name, css, assets.stylesheet.mimetype)
        )
        app.extensions["screener_preview"] = self

        @app.context_processor
        def _banner() -> dict[str, Any]:
            return {"preview": self.status}

        entry: WSGIApplication = app.wsgi_app
        return entry

    @property
    def status(self) -> Status:
        """What the banner says now."""
        assert self._current is not None, "the preview has not started"
        return self._current[1]

    def refresh(self) -> None:
        """Rebuild when a watched file changed since the last build (or attempt)."""
        seen = self.signature()
        if seen == self._seen:
            return
        with self._lock:
            seen = self.signature()
            if seen == self._seen:
                return  # another request rebuilt it meanwhile
            self._swap()
            # Only now: a request that saw the change meanwhile waited for the lock, and
            # so gets the new pages. A file saved again during the build loads next time.
            self._seen = seen

    def _swap(self) -> None:
        """Build from the files as they are, and serve the new app; or, when it cannot be
        built, the last good one, with the problems in the banner."""
        assert self._current is not None, "the preview has not started"
        served, before = self._current
        try:
            app, heard = self._build()
            status = self._checked(app, heard)
        except RulesetError as e:
            problems = [Notice(f"{p.filename}:{p.line}", p.message) for p in e.problems]
            self._broken(served, before, problems)
        except ConfigError as e:
            self._broken(served, before, [Notice(None, p) for p in e.problems or (str(e),)])
        except Exception as e:  # a preview keeps serving whatever the file holds
            self._broken(served, before, [Notice(None, f"{type(e).__name__}: {e}")])
        else:
            self._current = (self._prepared(app), status)
            self._report(status, reloaded=True)

    def _broken(self, served: WSGIApplication, before: Status, errors: list[Notice]) -> None:
        status = replace(before, broken=True, errors=tuple(errors), warnings=())
        self._current = (served, status)
        self._report(status, reloaded=True)

    def _report(self, status: Status, *, reloaded: bool) -> None:
        """Tell the terminal what is served now, and every error, as ``screener check``
        would print it."""
        found = (
            f"{_count(len(status.errors), 'problem')}, {_count(len(status.warnings), 'warning')}"
        )
        if status.broken:
            click.echo(
                f"screener preview: {self.file} cannot be used as saved ({found}); still "
                f"serving version {status.version}",
                err=True,
            )
        else:
            doing = "reloaded" if reloaded else "previewing"
            click.echo(
                f"screener preview: {doing} {self.file} version {status.version} "
                f"(screener check: {found})",
                err=True,
            )
        for notice in status.errors:
            click.echo(notice.describe(), err=True)

    # ------------------------------------------------------------------ serving

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.refresh()
        assert self._current is not None, "the preview has not started"
        served = self._current[0]  # kept for the whole request, whatever a reload does
        return served(environ, start_response)
