"""The access matrix of insights' reads (issue 13): the person, a colleague, their org admin,
another org's admin, a shared-cohort admin, anonymous and the platform admin, against every
endpoint — generated, so a new endpoint or reader is one line. Invisible things answer 404,
no credential 401."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import ADMIN, Insights
from .programme import Programme, programme

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["programme"]

READERS = ("person", "colleague", "org_admin", "other_admin", "shared_cohort_admin", "anonymous", "platform")
# Which readers get 200 for each endpoint; every other signed-in reader 404, anonymous 401.
ENDPOINTS: dict[str, tuple[Callable[[Programme], str], frozenset[str]]] = {
    "learning record": (
        lambda p: f"/v1/people/{p.asker.id}/learning-record",
        frozenset({"person", "org_admin", "platform"}),
    ),
    "org report": (lambda p: f"/v1/orgs/{p.org}/report", frozenset({"org_admin", "platform"})),
    "org report.svg": (lambda p: f"/v1/orgs/{p.org}/report.svg", frozenset({"org_admin", "platform"})),
    "cohort report": (
        lambda p: f"/v1/cohorts/{p.cohort_id}/report",
        frozenset({"org_admin", "shared_cohort_admin", "platform"}),
    ),
    "cohort report.svg": (
        lambda p: f"/v1/cohorts/{p.cohort_id}/report.svg",
        frozenset({"org_admin", "shared_cohort_admin", "platform"}),
    ),
    "network": (lambda p: f"/v1/orgs/{p.org}/network", frozenset({"org_admin", "platform"})),
    "network.svg": (lambda p: f"/v1/orgs/{p.org}/network.svg", frozenset({"org_admin", "platform"})),
}


def _headers(p: Programme, reader: str) -> dict[str, str]:
    return {
        "person": p.asker.headers,
        "colleague": p.colleague.headers,
        "org_admin": p.admin.headers,
        "other_admin": p.other_admin.headers,
        "shared_cohort_admin": p.shared_admin.headers,
        "anonymous": {},
        "platform": ADMIN,
    }[reader]


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("reader", READERS)
async def test_access(insights: Insights, programme: Programme, endpoint: str, reader: str) -> None:
    url, allowed = ENDPOINTS[endpoint]
    expected = 200 if reader in allowed else 401 if reader == "anonymous" else 404
    response = await insights.client.get(url(programme), headers=_headers(programme, reader))
    assert response.status_code == expected, (endpoint, reader, response.text[:200])


@pytest.mark.parametrize(
    "url",
    ["/v1/orgs/o-unknown/report", "/v1/orgs/o-unknown/network", "/v1/cohorts/c-unknown/report"],
)
async def test_nothing_there_is_404_even_for_the_platform_admin(insights: Insights, url: str) -> None:
    assert (await insights.client.get(url, headers=ADMIN)).status_code == 404
