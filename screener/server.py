"""Run a Screener app under gunicorn, the production server."""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask.logging import default_handler
from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from gunicorn._types import _WSGIAppType

# Method, path (never the query string), status, size and time: nothing about the person.
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):
    """Gunicorn serving an app that is already built and checked in the master process."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options; gunicorn reads no config file or command line."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> _WSGIAppType:
        """The app, shared by every worker."""
        # Flask's __call__ takes a dict environ, gunicorn's stubs a MutableMapping.
        return cast("_WSGIAppType", self.application)


def log_to_stderr() -> None:
    """Screener's own log lines (warnings, and one per completed screening with its
    outcome tier) go to standard error beside gunicorn's, in the same shape."""
    logger = logging.getLogger("screener")  # also the app's logger: Flask names it after the app
    logger.removeHandler(default_handler)
    if not any(getattr(h, "screener", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.screener = True  # type: ignore[attr-defined]
        handler.setFormatter(
            logging.Formatter(
                "[%(asctime)s] [%(process)d] [%(levelname)s] screener: %(message)s",
                "%Y-%m-%d %H:%M:%S %z",
            )
        )
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def run(app: Flask, *, host: str, port: int, workers: int) -> None:
    """Serve ``app`` until stopped, with ``workers`` worker processes."""
    log_to_stderr()
    # Everything built so far (the app, its rules, catalogs and pre-drawn pages) lives as
    # long as the process: keep it out of the garbage collector's way, so the workers
    # forked from here neither rescan it nor copy it by touching it.
    gc.collect()
    gc.freeze()
    options: dict[str, Any] = {}
    if app.config["METRICS_PORT"]:
        from screener import metrics

        where = (app.config["METRICS_HOST"], app.config["METRICS_PORT"])
        options["when_ready"] = lambda _arbiter: metrics.serve_from_master(*where)
        options["child_exit"] = lambda _arbiter, worker: metrics.worker_gone(worker.pid)
    _Gunicorn(
        app,
        {
            **options,
            "bind": f"{host}:{port}",
            "workers": workers,
            "preload_app": True,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            # Only these proxies may say a request came over HTTPS (for HSTS).
            "forwarded_allow_ips": app.config["FORWARDED_ALLOW_IPS"],
            "limit_request_line": 4094,
            # No runtime control socket: it is not needed, and instances would share its path.
            "control_socket_disable": True,
        },
    ).run()
