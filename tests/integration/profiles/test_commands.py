"""``peerlearn import-people``: a roster sent in chunks, rejected rows reported with file line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from peerlearn.cli import main
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"


@pytest.fixture
def org_id(live_profiles: Any) -> str:
    response = httpx.post(
        f"{live_profiles.url}/v1/orgs",
        json={"name": "CLI Corp"},
        headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"},
    )
    return str(response.json()["id"])


def test_import_people_in_chunks_reports_rejected_rows_by_file_line(
    live_profiles: Any, org_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"Person {i},p{i}@cli.example,learner,UTC,1,SQL:2,,Learn\n" for i in range(25)]
    rows[6] = "Bad Zone,bad@cli.example,learner,Mars/Base,1,,,\n"  # file line 8
    rows[20] = 'Multi Line,ml@cli.example,learner,UTC,1,,,"first\nsecond"\n'  # lines 22-23
    rows[21] = "Too High,th@cli.example,learner,UTC,1,SQL:9,,\n"  # file line 24
    roster = tmp_path / "people.csv"
    roster.write_text(HEADER + "".join(rows))
    argv = ["import-people", str(roster), "--org", org_id, "--url", live_profiles.url,
            "--token", TEST_ADMIN_TOKEN, "--chunk-rows", "4"]  # fmt: skip

    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "line 8: timezone 'Mars/Base'" in out
    assert "line 24: skill 'SQL': level 9 is outside 1..5" in out
    assert "created 23, updated 0, unchanged 0, rejected 2" in out

    assert main(argv) == 1
    assert "created 0, updated 0, unchanged 23, rejected 2" in capsys.readouterr().out


def test_import_people_refuses_a_file_that_is_not_utf8(
    live_profiles: Any, org_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "latin1.csv"
    roster.write_bytes((HEADER + "José,jose@cli.example,learner,UTC,1,,,\n").encode("latin-1"))
    argv = [
        "import-people",
        str(roster),
        "--org",
        org_id,
        "--url",
        live_profiles.url,
        "--token",
        TEST_ADMIN_TOKEN,
    ]
    assert main(argv) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_import_people_names_an_org_it_cannot_see(live_profiles: Any, tmp_path: Path, capsys: Any) -> None:
    roster = tmp_path / "people.csv"
    roster.write_text(HEADER + "A,a@cli.example,learner,UTC,1,,,\n")
    argv = [
        "import-people",
        str(roster),
        "--org",
        "nope",
        "--url",
        live_profiles.url,
        "--token",
        TEST_ADMIN_TOKEN,
    ]
    assert main(argv) == 2
    assert "404 no organisation nope" in capsys.readouterr().err
