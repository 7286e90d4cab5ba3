"""Anonymous aggregate metrics for clinics, for Prometheus: off unless configured.

With ``SCREENER_METRICS_PORT`` set, ``screener serve`` publishes two things on
that port (on ``SCREENER_METRICS_HOST``, loopback by default), never on the
public one:

* ``screener_screenings_completed_total{outcome, ruleset_version, channel}``:
  how many screenings ended in each outcome tier; the channel is ``web``,
  ``kiosk``, ``embed``, ``api`` or ``fhir``;
* ``screener_screenings_outside_scope_total{ruleset_version, channel}``: how
  many ended on the page saying the screening is not made for the person
  (never an outcome, so never counted as one);
* ``screener_request_duration_seconds{view, method, status}``: a latency
  histogram per kind of page.

Nothing per person: no answers, no question ids, no tokens, no addresses, no
languages, no times beyond what a scrape's own clock gives. docs/security.md
discusses what an aggregate count can still reveal on a quiet kiosk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, request

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds: from a fast cached asset to a slow page under load.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class Metrics:
    """One app's metrics, in a registry of its own."""

    registry: CollectorRegistry
    screenings: Counter
    outside: Counter
    latency: Histogram


METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})


def view_name() -> str:
    """The kind of page, the same under every prefix: ``answer``, ``api.evaluate``,
    ``api.fhir.evaluate``, ``asset``."""
    endpoint = request.endpoint or "unrouted"  # no such page, or not with this method
    blueprint, _, view = endpoint.rpartition(".")
    return f"{blueprint}.{view}" if blueprint.partition(".")[0] == "api" else view


def method_name() -> str:
    """The request's method, or "other": a label must not take whatever a client sends."""
    return request.method if request.method in METHODS else "other"


def completed(outcome: str, channel: str) -> None:
    """Count one screening that reached an outcome (no-op when metrics are off)."""
    metrics: Metrics | None = current_app.extensions.get("screener_metrics")
    if metrics is not None:
        version = current_app.extensions["screener"].ruleset.version
        metrics.screenings.labels(outcome, version, channel).inc()


def outside_scope(channel: str) -> None:
    """Count one screening that ended outside its scope, with no outcome (no-op when off)."""
    metrics: Metrics | None = current_app.extensions.get("screener_metrics")
    if metrics is not None:
        version = current_app.extensions["screener"].ruleset.version
        metrics.outside.labels(version, channel).inc()


def init_app(app: Flask) -> None:
    """Create the metrics and time every request, when a metrics port is configured.

    prometheus_client is imported here, not at the top: ``screener serve`` first sets
    PROMETHEUS_MULTIPROC_DIR so that every worker's counts add up.
    """
    if not app.config["METRICS_PORT"]:
        return
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry()
    metrics = Metrics(
        registry=registry,
        screenings=Counter(
            "screener_screenings_completed",
            "Screenings that reached an outcome, by outcome tier, rules version and channel.",
            ["outcome", "ruleset_version", "channel"],
            registry=registry,
        ),
        outside=Counter(
            "screener_screenings_outside_scope",
            "Screenings that ended outside their scope (no outcome), by rules version and channel.",
            ["ruleset_version", "channel"],
            registry=registry,
        ),
        latency=Histogram(
            "screener_request_duration_seconds",
            "Time to answer a request, by kind of page, method and status.",
            ["view", "method", "status"],
            buckets=BUCKETS,
            registry=registry,
        ),
    )
    app.extensions["screener_metrics"] = metrics
    ruleset = app.extensions["screener"].ruleset
    for channel in ("web", "embed", "kiosk", "api"):  # every count appears from the start, at 0
        for outcome in ruleset.outcomes:
            metrics.screenings.labels(outcome.id, ruleset.version, channel)
        if ruleset.scope:
            metrics.outside.labels(ruleset.version, channel)

    @app.before_request
    def _start() -> None:
        g.screener_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("screener_started")
        if started is not None:
            elapsed = time.perf_counter() - started
            labels = (view_name(), method_name(), str(response.status_code))
            metrics.latency.labels(*labels).observe(elapsed)
        return response


def exposition(app: Flask) -> bytes:
    """The metrics in Prometheus' text format, for tests and for a single process."""
    from prometheus_client import generate_latest

    metrics: Metrics = app.extensions["screener_metrics"]
    return generate_latest(metrics.registry)


def serve_from_master(host: str, port: int) -> Any:
    """Start the metrics listener in the server's main process, adding up every worker's
    files. A worker that exits leaves its counts behind, so they keep adding up (there
    are no gauges, which would need the dead worker's files removed)."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return start_http_server(port, addr=host, registry=registry)
