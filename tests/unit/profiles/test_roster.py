"""Reading CSV rosters: rows, rejections with line numbers, and files that cannot be read."""

from __future__ import annotations

import pytest

from peerlearn.errors import Invalid
from peerlearn_profiles.domain.roster import decode_roster, read_roster

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"


def test_a_good_row_becomes_a_person_with_have_and_want_skills() -> None:
    roster = read_roster(
        HEADER + "Ana,ana@x.example,mentor;expert,Europe/Lisbon,5.5,Python:5; SQL:4,Rust;Go:2,Teach\n"
    )
    assert roster.rejected == []
    [row] = roster.rows
    assert (row.line, row.display_name, row.roles, row.weekly_hours) == (2, "Ana", ["mentor", "expert"], 5.5)
    assert [(s.name, s.level, s.wants) for s in row.skills] == [
        ("Python", 5, False),
        ("SQL", 4, False),
        ("Rust", 1, True),
        ("Go", 2, True),
    ]
    assert row.bio is None and row.mentor_capacity is None  # absent columns keep existing values


def test_line_numbers_count_quoted_newlines_and_skip_blank_lines() -> None:
    text = HEADER + 'A,a@x.example,,UTC,1,,,"two\nlines"\n\nB,b@x.example,,Nowhere,1,,,\n'
    roster = read_roster(text)
    assert [r.line for r in roster.rows] == [2]
    assert roster.rejected == [(5, "timezone 'Nowhere' is not an IANA timezone (e.g. 'Europe/Berlin')")]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("A,a@x.example,,UTC,lots,,,", "weekly_hours 'lots' is not a number"),
        ("A,a@x.example,,UTC,200,,,", "weekly_hours 200 is outside 0..168"),
        ("A,a@x.example,,UTC,1,Python,,", "needs a level"),
        ("A,a@x.example,,UTC,1,Python:high,,", "is not a number 1..5"),
        ("A,a@x.example,,UTC,1,Python:3,python:1,", "appears twice"),
        ("A,a@x.example,chef,UTC,1,,,", "unknown role 'chef'"),
        (",a@x.example,,UTC,1,,,", "display_name must not be blank"),
        ("A,nope,,UTC,1,,,", "is not an email"),
        ("A,a@x.example,,UTC,1,,," + "g" * 301, "goal is longer than 300"),
    ],
)
def test_each_bad_row_is_rejected_with_its_reason(row: str, reason: str) -> None:
    roster = read_roster(HEADER + row + "\n")
    assert roster.rows == []
    assert roster.rejected[0][0] == 2 and reason in roster.rejected[0][1]


def test_the_header_must_have_the_columns_and_no_others() -> None:
    with pytest.raises(Invalid, match="lacks column"):
        read_roster("display_name,email\n")
    with pytest.raises(Invalid, match="unknown column"):
        read_roster(HEADER.strip() + ",age\n")
    with pytest.raises(Invalid, match="empty"):
        read_roster("")


def test_encodings() -> None:
    assert decode_roster("\ufeffname".encode()) == "name"
    with pytest.raises(Invalid, match="not UTF-8"):
        decode_roster("José".encode("latin-1"))


def test_a_nul_byte_rejects_its_row_only() -> None:
    roster = read_roster(
        HEADER + "A,a@x.example,,UTC,1,,,\nB\0,b@x.example,,UTC,1,,,\nC,c@x.example,,UTC,1,,,\n"
    )
    assert [r.line for r in roster.rows] == [2, 4]
    assert roster.rejected[0][0] == 3
