"""Anonymous aggregate metrics: off by default; counts by outcome tier, and nothing per person."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from screener import create_app, metrics
from screener.config import ConfigError, from_environ
from tests.conftest import SECRET, Browser


def test_metrics_are_off_unless_configured(app: Flask) -> None:
    assert "screener_metrics" not in app.extensions
    assert app.test_client().get("/metrics").status_code == 404


def test_the_metrics_port_must_be_a_port() -> None:
    assert from_environ({"SCREENER_METRICS_PORT": "9464"})["METRICS_PORT"] == 9464
    for bad in ("0", "70000", "metrics"):
        with pytest.raises(ConfigError, match="SCREENER_METRICS_PORT"):
            from_environ({"SCREENER_METRICS_PORT": bad})


def test_screenings_are_counted_by_tier_and_channel_only() -> None:
    app = create_app({"SECRET_KEY": SECRET, "METRICS_PORT": 9464})
    client = app.test_client()
    Browser(client).get("/").submit("/start").answer_values({}).submit("/result")
    Browser(client).get("/").submit("/start").answer_values({"black_stool": "yes"}).submit(
        "/result"
    )
    page = Browser(client, lang="es").get("/embed/es/").submit("/start")
    page.answer_values({"cancer_history": "unsure"}).submit("/result")
    # Outside the scope: counted apart, never as an outcome, and once per ending (the
    # language switch or a Back and forth shows the page again without counting it).
    outside = Browser(client).get("/").submit("/start").answer_values({"for_you": "no"})
    outside.submit("/show", {"step": "outside"})
    outside.submit("/back").submit("/answer", {"answer": "unsure"})
    Browser(client).get("/embed/").submit("/start").answer_values({"for_you": "no"})
    client.post("/api/v1/evaluate", json={"answers": {"for_you": "yes", "fever_recent": "yes"}})
    client.post("/api/v1/evaluate", json={"answers": {"fever_recent": "maybe"}})  # 422
    text = metrics.exposition(app).decode()
    version = app.extensions["screener"].ruleset.version

    def count(outcome: str, channel: str) -> float:
        labels = f'channel="{channel}",outcome="{outcome}",ruleset_version="{version}"'
        found = re.search(
            "^" + re.escape(f"screener_screenings_completed_total{{{labels}}} ") + r"([\d.]+)$",
            text,
            re.M,
        )
        assert found, labels
        return float(found.group(1))

    def ended_outside(channel: str) -> float:
        labels = f'channel="{channel}",ruleset_version="{version}"'
        found = re.search(
            "^" + re.escape(f"screener_screenings_outside_scope_total{{{labels}}} ") + r"([\d.]+)$",
            text,
            re.M,
        )
        assert found, labels
        return float(found.group(1))

    assert [count("info", "web"), count("urgent", "web")] == [1, 1]
    assert [count("clinician", "embed"), count("emergency", "api"), count("info", "kiosk")] == [
        1,
        1,
        0,
    ]
    assert [ended_outside("web"), ended_outside("embed"), ended_outside("kiosk")] == [2, 1, 0]
    completed = re.findall(r"^screener_screenings_completed_total\{.*\} ([\d.]+)$", text, re.M)
    assert sum(float(n) for n in completed) == 4, "an ending outside the scope is no outcome"
    assert 'outcome="outside"' not in text
    assert re.search(
        r'screener_request_duration_seconds_count\{method="POST",status="200",'
        r'view="answer"\} (\d+)',
        text,
    )
    assert 'view="api.evaluate"' in text and 'status="422"' in text
    # Not a language, not a question, not an address: none of those is a label.
    assert set(re.findall(r"(\w+)=\"", text)) <= {
        "channel",
        "outcome",
        "ruleset_version",
        "view",
        "method",
        "status",
        "le",
    }
    ruleset = app.extensions["screener"].ruleset
    assert not any(q.id in text for q in ruleset.flow)


def test_labels_take_no_free_text_from_the_client() -> None:
    app = create_app({"SECRET_KEY": SECRET, "METRICS_PORT": 9464})
    client = app.test_client()
    for method in ("BREW", "PROPFIND", "XYZZYXYZZY"):
        client.open("/", method=method)
    client.get("/no/such/page")
    text = metrics.exposition(app).decode()
    assert 'method="other"' in text and 'view="unrouted"' in text
    assert "BREW" not in text and "PROPFIND" not in text and "no/such" not in text
