"""The org's people list: cursor pagination that neither repeats nor skips anyone."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_walking_the_pages_yields_everyone_once(profiles: Any) -> None:
    org_id = await profiles.org()
    header = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"
    rows = "".join(f"Person {i},p{i}@corp.example,learner,UTC,1,,,\n" for i in range(23))
    await profiles.call(
        "POST",
        f"/v1/orgs/{org_id}/people:import",
        content=header + rows,
        headers={"Content-Type": "text/csv"},
    )
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await profiles.call("GET", f"/v1/orgs/{org_id}/people", params=params, expect=200)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and len(seen) == 23 and len(set(seen)) == 23


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"limit": "many"}, {"cursor": "x" * 41}, {"cursor": "\u0000"}]
)
async def test_bad_paging_parameters_are_400(profiles: Any, params: dict[str, Any]) -> None:
    org_id = await profiles.org()
    response = await profiles.call("GET", f"/v1/orgs/{org_id}/people", params=params, expect=400)
    assert next(iter(params)) in response.text  # the error names the parameter
