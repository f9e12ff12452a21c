"""deploy/prometheus/alerts.yml names only series the services export, and each alert's runbook
is a section of docs/OPERATIONS.md: an alert on a misspelt series would never fire."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from litestar import Litestar, get
from litestar.testing import TestClient
from prometheus_client import REGISTRY

import peerlearn_matcher.adapters.metrics
import peerlearn_notify.adapters.metrics  # noqa: F401  (registers notify's series)
from peerlearn.metrics import metrics_route, request_metrics

ROOT = Path(__file__).parents[3]
RULES = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
SERIES = re.compile(r"\bpeerlearn_[a-z_]+\b")


def exported_series() -> set[str]:
    """Every sample name the registry can produce, once a request has created the request metrics."""

    @get("/ping", sync_to_thread=False)
    def ping() -> str:
        return "pong"

    app = Litestar(
        [ping, metrics_route("alerts-test")], middleware=[request_metrics("alerts-test").middleware]
    )
    with TestClient(app) as client:
        assert client.get("/ping").status_code == 200
    assert peerlearn_matcher.adapters.metrics.INDEX_SIZE is not None
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}
    # A labelled series with no child yet has no samples: its names follow from its type.
    return {
        family.name + suffix for family in REGISTRY.collect() for suffix in suffixes.get(family.type, [""])
    }


def anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def test_every_series_an_alert_names_is_exported() -> None:
    exported = exported_series()
    named = {name for rule in RULES for name in SERIES.findall(rule["expr"])}
    assert named, "the rules name no peerlearn series"
    assert sorted(named - exported) == []


def test_every_alert_has_a_runbook_section() -> None:
    operations = (ROOT / "docs" / "OPERATIONS.md").read_text()
    anchors = {anchor(line.lstrip("#").strip()) for line in operations.splitlines() if line.startswith("#")}
    for rule in RULES:
        path, _, section = rule["annotations"]["runbook"].partition("#")
        assert path == "docs/OPERATIONS.md"
        assert section in anchors, (rule["alert"], section)
