"""The insights pages over insights' API: a person's learning record, an org's or a cohort's
programme report and an org's learning network (JSON), and their pictures (SVG)."""

from __future__ import annotations

from typing import Any

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller


async def learning_record(ups: Upstreams, caller: Caller, window: dict[str, str]) -> dict[str, Any]:
    """The signed-in person's own learning record."""
    path = f"/v1/people/{caller.person_id}/learning-record"
    found: dict[str, Any] = await ups.required("insights").call(
        "GET", path, token=caller.token, params=window
    )
    return found


def _scope_path(scope: str, scope_id: str) -> str:
    return f"/v1/{'orgs' if scope == 'org' else 'cohorts'}/{scope_id}"


async def report(
    ups: Upstreams, caller: Caller, scope: str, scope_id: str, window: dict[str, str]
) -> dict[str, Any]:
    """An org's (``scope="org"``) or a cohort's programme report, as insights lets the caller read it."""
    path = _scope_path(scope, scope_id) + "/report"
    found: dict[str, Any] = await ups.required("insights").call(
        "GET", path, token=caller.token, params=window
    )
    return found


async def network(ups: Upstreams, caller: Caller, org_id: str, window: dict[str, str]) -> dict[str, Any]:
    """An org's learning network."""
    path = f"/v1/orgs/{org_id}/network"
    found: dict[str, Any] = await ups.required("insights").call(
        "GET", path, token=caller.token, params=window
    )
    return found


async def picture(ups: Upstreams, caller: Caller, path: str, window: dict[str, str]) -> bytes:
    """A report's charts or a network's picture (``path`` under insights' /v1), as SVG bytes."""
    body, _ = await ups.required("insights").download(f"/v1/{path}", token=caller.token, params=window)
    return body
